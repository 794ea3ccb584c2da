using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Weights;
using ApisixPlugin.Routing.Events;

namespace ApisixPlugin.Routing.UseCases;

/// <summary>
/// SetWeight: the split into every configured rule, then into the mirror routes this Rollout owns
/// (a mirror route serves its matching requests with the canary split). Returns how many routes
/// were written; none when every route already has the split.
/// </summary>
public sealed class SetWeightUseCase(RolloutRoutes routes, RouteWrites writes, IRolloutEvents events)
{
    public async Task<int> RunAsync(RolloutContext rollout, int desiredWeight, IReadOnlyList<WeightDestination> additional, CancellationToken cancellationToken)
    {
        var config = routes.Configuration(rollout);
        var split = WeightSplit.For(rollout, desiredWeight, additional);
        var changed = await writes.PatchAllAsync(rollout, config.Routes, (route, target) => WeightPlanner.Plan(route, target, split), cancellationToken).ConfigureAwait(false);
        changed += await SyncMirrorWeightsAsync(rollout, config, split, cancellationToken).ConfigureAwait(false);
        if (changed > 0)
        {
            events.Record(new RolloutEvent(rollout, false, "WeightUpdated",
                $"ApisixRoute weights set to {split} on {string.Join(", ", config.Routes.Select(r => $"{r.Key} [{string.Join(", ", r.Rules)}]"))}"));
        }

        return changed;
    }

    /// <summary>One read per managed route name and source namespace, and nothing when the Rollout lists none.</summary>
    private async Task<int> SyncMirrorWeightsAsync(RolloutContext rollout, PluginConfiguration config, WeightSplit split, CancellationToken cancellationToken)
    {
        var changed = 0;
        foreach (var ns in config.Routes.Select(r => r.Namespace).Distinct(StringComparer.Ordinal))
        {
            foreach (var name in rollout.ManagedRoutes)
            {
                var route = await routes.ManagedAsync(ns, name, cancellationToken).ConfigureAwait(false);
                if (route is null || !ManagedRouteOwnership.IsOwnedBy(route, rollout)
                    || route.Annotation(ApisixRouteConventions.ManagedKindAnnotation) != MirrorRouteBuilder.Kind)
                {
                    continue;
                }

                var target = new RouteTarget(ns, name, [.. route.Rules().Select(r => r.Name)]);
                changed += await writes.PatchAllAsync(rollout, [target], (r, t) => WeightPlanner.Plan(r, t, split), cancellationToken).ConfigureAwait(false);
            }
        }

        return changed;
    }
}
