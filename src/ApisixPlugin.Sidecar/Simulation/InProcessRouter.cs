using ApisixPlugin.Routing;
using ApisixPlugin.Kubernetes.Store;
using ApisixPlugin.Routing.Store;
using ApisixPlugin.Protos.V1;
using ApisixPlugin.Sidecar.Grpc;
using ApisixPlugin.Sidecar.Hosting;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>
/// The sidecar's gRPC service and its error interceptor, built as the host builds them but over
/// an in-memory route store, and called without a socket: each call goes through the same
/// interceptor, so a failure is the very status code and message the controller would get.
/// </summary>
internal sealed class InProcessRouter : IAsyncDisposable
{
    private const string ServiceName = "/apisixplugin.v1.TrafficRouter/";

    private readonly ServiceProvider _services;
    private readonly TrafficRouterService _service;
    private readonly RouterErrorInterceptor _interceptor;

    public InProcessRouter(InMemoryApisixRouteStore store, string pluginName)
    {
        var services = new ServiceCollection();
        // No logging provider: the simulation's output is what it prints, not the router's logs.
        services.AddLogging();
        services.AddSingleton(Options.Create(new SidecarOptions { PluginName = pluginName }));
        services.AddApisixRoutesInMemory(store);
        services.AddSingleton(ApiRequestPolicy.Default);
        services.AddSingleton<TrafficRouterService>();
        services.AddSingleton<RouterErrorInterceptor>();
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        _service = _services.GetRequiredService<TrafficRouterService>();
        _interceptor = _services.GetRequiredService<RouterErrorInterceptor>();
    }

    public Task<CallResult<InitPluginResponse>> InitPlugin(InitPluginRequest request) => Call(nameof(InitPlugin), request, _service.InitPlugin);

    public Task<CallResult<SetWeightResponse>> SetWeight(SetWeightRequest request) => Call(nameof(SetWeight), request, _service.SetWeight);

    public Task<CallResult<VerifyWeightResponse>> VerifyWeight(VerifyWeightRequest request) => Call(nameof(VerifyWeight), request, _service.VerifyWeight);

    public Task<CallResult<SetHeaderRouteResponse>> SetHeaderRoute(SetHeaderRouteRequest request) => Call(nameof(SetHeaderRoute), request, _service.SetHeaderRoute);

    public Task<CallResult<SetMirrorRouteResponse>> SetMirrorRoute(SetMirrorRouteRequest request) => Call(nameof(SetMirrorRoute), request, _service.SetMirrorRoute);

    public Task<CallResult<RemoveManagedRoutesResponse>> RemoveManagedRoutes(RemoveManagedRoutesRequest request) =>
        Call(nameof(RemoveManagedRoutes), request, _service.RemoveManagedRoutes);

    private async Task<CallResult<TResponse>> Call<TRequest, TResponse>(string method, TRequest request, UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class
    {
        try
        {
            var response = await _interceptor.UnaryServerHandler(request, new InProcessCallContext(ServiceName + method), handler).ConfigureAwait(false);
            return new CallResult<TResponse>(response, null);
        }
        catch (RpcException e)
        {
            return new CallResult<TResponse>(null, e.Status);
        }
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}

/// <summary>A call's answer, or the status it failed with.</summary>
internal sealed record CallResult<T>(T? Response, Status? Failure)
    where T : class
{
    public string FailureText => Failure is { } s ? $"failed: {s.StatusCode}: {s.Detail}" : "";
}

/// <summary>The server-side context of a call that never crossed a socket: no deadline, no peer, nothing to cancel it.</summary>
internal sealed class InProcessCallContext(string method) : ServerCallContext
{
    private readonly Metadata _trailers = [];

    protected override string MethodCore => method;

    protected override string HostCore => "in-process";

    protected override string PeerCore => "in-process";

    protected override DateTime DeadlineCore => DateTime.MaxValue;

    protected override Metadata RequestHeadersCore => [];

    protected override CancellationToken CancellationTokenCore => CancellationToken.None;

    protected override Metadata ResponseTrailersCore => _trailers;

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore => new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("a simulated call makes no outgoing calls");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
