using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Rollouts;

namespace ApisixPlugin.Routing.UseCases;

/// <summary>SetHeaderRoute: the managed route that sends matching requests to the canary; no match removes it.</summary>
public sealed class SetHeaderRouteUseCase(ManagedRouteWrites managed)
{
    public Task RunAsync(RolloutContext rollout, HeaderRouteStep step, CancellationToken cancellationToken)
    {
        var what = $"setHeaderRoute '{step.Name}'";
        return managed.ApplyAsync(rollout, step.Name, ManagedStepKind.SetHeaderRoute, _ => (ns, sources, existing) => step.Matches.IsEmpty
            ? ManagedRoutePlanner.Remove(existing, rollout, what, foreignIsError: true)
            : ManagedRoutePlanner.Upsert(existing, HeaderRouteBuilder.Build(rollout, ns, sources, step), rollout, what),
            cancellationToken);
    }
}
