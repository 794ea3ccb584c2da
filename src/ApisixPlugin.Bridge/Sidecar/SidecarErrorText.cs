using ApisixPlugin.Contracts;
using Grpc.Core;

namespace ApisixPlugin.Bridge.Sidecar;

/// <summary>
/// Turns a failed sidecar call into the RpcError text the controller logs and shows on the
/// Rollout: which call, the gRPC status code name, and whose fault it is. A status the sidecar
/// answered with (it carries <see cref="SidecarTrailers.Answered"/>) is passed on with the
/// sidecar's own message, which names the route or the API server; only a call the sidecar never
/// answered is reported as the sidecar's.
/// </summary>
internal static class SidecarErrorText
{
    public static string For(string method, RpcException error, string socketPath, TimeSpan timeout) =>
        error.Trailers.Get(SidecarTrailers.Answered) is not null
            ? $"{method}: {error.StatusCode}: {error.Status.Detail}"
            : error.StatusCode switch
            {
                StatusCode.DeadlineExceeded =>
                    $"{method}: apisix sidecar at {socketPath} did not answer within {timeout.TotalSeconds:0.###}s (DeadlineExceeded)",
                // The client made the status itself (no connection, or the connection failed as the
                // call started, which it reports as Internal "Error starting gRPC call").
                _ when error.StatusCode == StatusCode.Unavailable || error.Status.DebugException is not null =>
                    $"{method}: apisix sidecar at {socketPath} is unavailable ({error.StatusCode}): {error.Status.Detail}",
                _ => $"{method}: {error.StatusCode}: {error.Status.Detail}",
            };
}
