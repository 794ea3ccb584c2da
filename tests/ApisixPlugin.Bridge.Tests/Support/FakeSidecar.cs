using System.Collections.Concurrent;
using ApisixPlugin.Protos.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ApisixPlugin.Bridge.Tests.Support;

/// <summary>
/// A test double of the sidecar's TrafficRouter gRPC service on a Unix socket: records the
/// requests it gets and answers as the test sets it up. (The real sidecar needs a kube-apiserver;
/// the end-to-end tests with it live in tests/goplugin-peer.)
/// </summary>
internal sealed class FakeSidecar : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeSidecar(WebApplication app, Recorder recorder)
    {
        _app = app;
        Recorded = recorder;
    }

    public Recorder Recorded { get; }

    public static async Task<FakeSidecar> StartAsync(string socketPath, Recorder? recorder = null)
    {
        recorder ??= new Recorder();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socketPath, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(recorder);
        var app = builder.Build();
        app.MapGrpcService<Service>();
        await app.StartAsync();
        return new FakeSidecar(app, recorder);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal sealed class Recorder
    {
        public ConcurrentQueue<object> Requests { get; } = new();
        public Verification Verification { get; set; } = Verification.Verified;
        public Status? SetWeightFailure { get; set; }
        /// <summary>Sent with <see cref="SetWeightFailure"/>, as the real sidecar marks its own answers.</summary>
        public Metadata SetWeightFailureTrailers { get; set; } = [];
    }

    private sealed class Service(Recorder recorder) : TrafficRouter.TrafficRouterBase
    {
        public override Task<SetWeightResponse> SetWeight(SetWeightRequest request, ServerCallContext context)
        {
            recorder.Requests.Enqueue(request);
            if (recorder.SetWeightFailure is { } failure)
            {
                throw new RpcException(failure, recorder.SetWeightFailureTrailers);
            }
            return Task.FromResult(new SetWeightResponse { RoutesChanged = 1 });
        }

        public override Task<VerifyWeightResponse> VerifyWeight(VerifyWeightRequest request, ServerCallContext context)
        {
            recorder.Requests.Enqueue(request);
            return Task.FromResult(new VerifyWeightResponse { Verification = recorder.Verification, Detail = "rule r1 has 10, wants 20" });
        }

        public override Task<TypeResponse> Type(TypeRequest request, ServerCallContext context) =>
            Task.FromResult(new TypeResponse { Type = "Apisix" });
    }
}
