using ApisixPlugin.Routing.UseCases;
using ApisixPlugin.Sidecar.Hosting;
using Grpc.Core;
using Microsoft.Extensions.Options;
using ApisixPlugin.Protos.V1;

namespace ApisixPlugin.Sidecar.Grpc;

/// <summary>
/// The gRPC face of the router: maps each request onto the core's records and delegates to its
/// use case. Failures become status codes in <see cref="RouterErrorInterceptor"/>.
/// </summary>
internal sealed class TrafficRouterService(
    SetWeightUseCase setWeight,
    VerifyWeightUseCase verifyWeight,
    SetHeaderRouteUseCase setHeaderRoute,
    SetMirrorRouteUseCase setMirrorRoute,
    RemoveManagedRoutesUseCase removeManagedRoutes,
    IOptions<SidecarOptions> options) : TrafficRouter.TrafficRouterBase
{
    public const string RouterType = "apisix-plugin";

    private string DefaultPluginName => options.Value.PluginName;

    public override Task<InitPluginResponse> InitPlugin(InitPluginRequest request, ServerCallContext context) =>
        Task.FromResult(new InitPluginResponse());

    public override Task<TypeResponse> Type(TypeRequest request, ServerCallContext context) =>
        Task.FromResult(new TypeResponse { Type = RouterType });

    // APISIX routes to Services, not ReplicaSets: a new pod template hash changes nothing here.
    public override Task<UpdateHashResponse> UpdateHash(UpdateHashRequest request, ServerCallContext context) =>
        Task.FromResult(new UpdateHashResponse());

    public override async Task<SetWeightResponse> SetWeight(SetWeightRequest request, ServerCallContext context)
    {
        var rollout = RolloutMapper.ToContext(request.Rollout, DefaultPluginName);
        var changed = await setWeight.RunAsync(rollout, request.DesiredWeight,
            RolloutMapper.ToDestinations(request.AdditionalDestinations), context.CancellationToken).ConfigureAwait(false);
        return new SetWeightResponse { RoutesChanged = changed };
    }

    public override async Task<VerifyWeightResponse> VerifyWeight(VerifyWeightRequest request, ServerCallContext context)
    {
        var rollout = RolloutMapper.ToContext(request.Rollout, DefaultPluginName);
        var result = await verifyWeight.RunAsync(rollout, request.DesiredWeight,
            RolloutMapper.ToDestinations(request.AdditionalDestinations), context.CancellationToken).ConfigureAwait(false);
        return new VerifyWeightResponse
        {
            Verification = result.Verified ? Verification.Verified : Verification.NotVerified,
            Detail = result.Detail,
        };
    }

    public override async Task<SetHeaderRouteResponse> SetHeaderRoute(SetHeaderRouteRequest request, ServerCallContext context)
    {
        var rollout = RolloutMapper.ToContext(request.Rollout, DefaultPluginName);
        await setHeaderRoute.RunAsync(rollout, RolloutMapper.ToStep(request.HeaderRoute), context.CancellationToken).ConfigureAwait(false);
        return new SetHeaderRouteResponse();
    }

    public override async Task<SetMirrorRouteResponse> SetMirrorRoute(SetMirrorRouteRequest request, ServerCallContext context)
    {
        var rollout = RolloutMapper.ToContext(request.Rollout, DefaultPluginName);
        await setMirrorRoute.RunAsync(rollout, RolloutMapper.ToStep(request.MirrorRoute), context.CancellationToken).ConfigureAwait(false);
        return new SetMirrorRouteResponse();
    }

    public override async Task<RemoveManagedRoutesResponse> RemoveManagedRoutes(RemoveManagedRoutesRequest request, ServerCallContext context)
    {
        var rollout = RolloutMapper.ToContext(request.Rollout, DefaultPluginName);
        var deleted = await removeManagedRoutes.RunAsync(rollout, context.CancellationToken).ConfigureAwait(false);
        return new RemoveManagedRoutesResponse { RoutesDeleted = deleted };
    }
}
