# The plugin image: the sidecar (gRPC server) as its entry point, and the static bridge at
# /bridge/apisix-plugin-bridge for the init step that copies it where the Argo Rollouts
# controller loads plugins from (`apisix-plugin-bridge install <dest>`; the image has no shell).
# Both are built by deploy/publish.sh, the same script CI runs.
# Multi-platform: `docker buildx build --platform linux/amd64,linux/arm64`. Each platform's build
# stage runs on that platform (natively, or under the builder's emulation), and TARGETARCH picks
# the .NET runtime (linux-x64 or linux-arm64); NuGet serves that runtime's NativeAOT compiler.
# VERSION is the one in Directory.Build.props (the release workflow passes it and checks the tag);
# a test keeps this default equal to it.
ARG VERSION=0.1.0

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
# NativeAOT toolchain for the sidecar and the static bridge.
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang lld zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the two programs are built from (see .dockerignore); tests are not part of the image.
COPY Directory.Build.props Directory.Packages.props ./
COPY protos/ protos/
COPY src/ src/
COPY deploy/publish.sh deploy/publish.sh
# `simulate` embeds the guide's example.
COPY deploy/examples/ deploy/examples/
# TARGETARCH is amd64 or arm64 under BuildKit; a builder that does not set it builds for itself.
RUN bash deploy/publish.sh --arch "${TARGETARCH:-$(uname -m)}" /out

# Chiseled runtime-deps: glibc, OpenSSL and CA certificates for the NativeAOT sidecar; no .NET
# runtime (the sidecar carries its own), no shell, no package manager.
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled AS final
ARG VERSION
ARG REVISION=unknown
ARG SOURCE=
# OCI annotations: what a registry, `docker inspect` and scanners show for the image. The release
# workflow passes REVISION (the commit) and SOURCE (the repository, which links the package to it).
LABEL org.opencontainers.image.title="apisix-plugin" \
      org.opencontainers.image.description="Argo Rollouts traffic-router plugin for Apache APISIX: the sidecar, and the bridge at /bridge/apisix-plugin-bridge" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"
# Read-only root filesystem: no diagnostics IPC socket or perf maps, and anything temporary goes
# to /tmp, which the pod mounts as an emptyDir. The base image's default HTTP port 8080 is
# cleared: it is the controller's healthz port in the same pod, and the sidecar listens only on
# the socket and the metrics port its command line names.
# A 1 MiB gen0 budget and 1 MiB GC regions lower the peak resident set under load (RESULTS.md in
# tests/ApisixPlugin.Benchmarks); the sidecar file has the same two compiled in.
# Bare hex digits: NativeAOT's runtime reads DOTNET_ numbers without a 0x prefix, and silently
# ignores a value it cannot parse.
ENV DOTNET_EnableDiagnostics=0 \
    DOTNET_GCgen0size=100000 \
    DOTNET_GCRegionSize=100000 \
    TMPDIR=/tmp \
    HOME=/tmp \
    ASPNETCORE_HTTP_PORTS=
COPY --from=build /out/sidecar/apisix-plugin /app/apisix-plugin
COPY --from=build /out/bridge/apisix-plugin-bridge /bridge/apisix-plugin-bridge
# Numeric, so `runAsNonRoot: true` can verify it; the manifests name the same uid.
USER 65532:65532
WORKDIR /app
ENTRYPOINT ["/app/apisix-plugin"]
CMD ["serve", "--socket", "/run/apisix-plugin/sidecar.sock", "--metrics-port", "9464"]
