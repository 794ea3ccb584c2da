using ApisixPlugin.Core.Rollouts;

namespace ApisixPlugin.Kubernetes.Routing;

public sealed partial class ApisixTrafficRouter
{
    public Task SetHeaderRouteAsync(RolloutContext rollout, HeaderRouteStep step, CancellationToken cancellationToken) =>
        throw new NotSupportedException("header routes: in progress");

    public Task SetMirrorRouteAsync(RolloutContext rollout, MirrorRouteStep step, CancellationToken cancellationToken) =>
        throw new NotSupportedException("mirror routes: in progress");

    public Task<int> RemoveManagedRoutesAsync(RolloutContext rollout, CancellationToken cancellationToken) =>
        throw new NotSupportedException("managed routes: in progress");
}
