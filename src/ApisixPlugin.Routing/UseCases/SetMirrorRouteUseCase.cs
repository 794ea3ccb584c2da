using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Rollouts;

namespace ApisixPlugin.Routing.UseCases;

/// <summary>SetMirrorRoute: the managed route that mirrors matching requests to the canary; no match or 0 % removes it.</summary>
public sealed class SetMirrorRouteUseCase(ManagedRouteWrites managed)
{
    public Task RunAsync(RolloutContext rollout, MirrorRouteStep step, CancellationToken cancellationToken)
    {
        var what = $"setMirrorRoute '{step.Name}'";
        return managed.ApplyAsync(rollout, step.Name, ManagedStepKind.SetMirrorRoute, config =>
        {
            var remove = step.Matches.IsEmpty || MirrorRouteBuilder.SampleRatio(step) is null;
            return (ns, sources, existing) => remove
                ? ManagedRoutePlanner.Remove(existing, rollout, what, foreignIsError: true)
                : ManagedRoutePlanner.Upsert(existing, MirrorRouteBuilder.Build(rollout, ns, sources, step, config.ClusterDomain), rollout, what);
        }, cancellationToken);
    }
}
