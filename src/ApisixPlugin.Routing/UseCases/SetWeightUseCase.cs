using System.Collections.Immutable;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.GitOps;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Weights;
using ApisixPlugin.Routing.Events;

namespace ApisixPlugin.Routing.UseCases;

/// <summary>
/// SetWeight: the split into every steered rule, then into the mirror routes this Rollout owns
/// (a mirror route serves its matching requests with the canary split). The in-progress label
/// rides in the same patches: it is on while the canary has weight or managed routes of the
/// Rollout exist next to the route, and off once neither holds (the controller calls SetWeight
/// right after RemoveManagedRoutes). Returns how many routes were written; none when every route
/// already is as wanted.
/// </summary>
public sealed class SetWeightUseCase(RolloutRoutes routes, RouteWrites writes, IRolloutEvents events, InProgressLabel inProgressLabel)
{
    public async Task<int> RunAsync(RolloutContext rollout, int desiredWeight, IReadOnlyList<WeightDestination> additional, CancellationToken cancellationToken)
    {
        var config = routes.Configuration(rollout);
        var split = WeightSplit.For(rollout, desiredWeight, additional);
        var weighted = split.CanaryWeight > 0 || split.Additional.Any(a => a.Weight > 0);

        // One route is planned from the route as last seen, if the plugin has seen it: a changing
        // call then costs its write alone (RouteWrites.PatchAllAsync says why that is safe). Several
        // routes are all read first, so that one gone or refusing stops the call before any write.
        var recall = config.Routes.Length == 1 && config.Selector is null;
        var steered = await routes.ReadSteeredAsync(rollout, config, cancellationToken, recall, resetting: !weighted).ConfigureAwait(false);
        var managed = await OwnedManagedRoutesAsync(rollout, config, cancellationToken).ConfigureAwait(false);

        bool InProgress(ApisixRouteSnapshot route) => weighted || managed.Any(m => m.Namespace == route.Namespace);
        var changed = await writes.PatchAllAsync(rollout, steered,
            (route, target) => WeightPlanner.Plan(route, target, split).With(inProgressLabel.Plan(route, rollout, InProgress(route))), cancellationToken).ConfigureAwait(false);

        var mirrors = managed.Where(m => m.Annotation(ApisixRouteConventions.ManagedKindAnnotation) == MirrorRouteBuilder.Kind)
            .Select(m => new SteeredRoute(new RouteTarget(m.Namespace, m.Name, [.. m.Rules().Select(r => r.Name)]), m))
            .ToImmutableArray();
        changed += await writes.PatchAllAsync(rollout, mirrors, (r, t) => MirrorWeights(r, t, split), cancellationToken,
            reread: async t => await routes.ManagedAsync(t.Namespace, t.Name, cancellationToken).ConfigureAwait(false) is { } r && ManagedRouteOwnership.IsOwnedBy(r, rollout)
                ? r
                : throw Core.Errors.RouterException.Precondition($"mirror route {t.Key}: deleted or taken over while its weights were being set; the next call sees what is there")).ConfigureAwait(false);
        if (changed > 0)
        {
            events.Record(new RolloutEvent(rollout, false, "WeightUpdated",
                $"ApisixRoute weights set to {split} on {string.Join(", ", steered.Select(r => $"{r.Target.Key} [{string.Join(", ", r.Target.Rules)}]"))}"));
        }

        return changed;
    }

    /// <summary>
    /// The split into a mirror route, only if it is still the one read: a route deleted and made
    /// again under its name (by someone else, with the same rules) has another uid, so the write
    /// fails, and the read that follows finds it is not this Rollout's.
    /// </summary>
    private static Core.Patching.RoutePatch MirrorWeights(ApisixRouteSnapshot route, Core.Configuration.RouteTarget target, WeightSplit split)
    {
        var patch = WeightPlanner.Plan(route, target, split);
        return patch.IsEmpty || route.Uid is not { } uid
            ? patch
            : patch.GuardedBy([Core.Patching.PatchOperation.Test("/metadata/uid", Core.Json.JsonElements.String(uid))]);
    }

    /// <summary>
    /// One read per managed route name and route namespace, and nothing when the Rollout lists
    /// none or RemoveManagedRoutes has just found the route missing.
    /// </summary>
    private async Task<List<ApisixRouteSnapshot>> OwnedManagedRoutesAsync(RolloutContext rollout, PluginConfiguration config, CancellationToken cancellationToken)
    {
        var owned = new List<ApisixRouteSnapshot>();
        foreach (var ns in config.RouteNamespaces)
        {
            foreach (var name in rollout.ManagedRoutes)
            {
                if (await routes.ManagedUnlessJustMissingAsync(ns, name, cancellationToken).ConfigureAwait(false) is { } route && ManagedRouteOwnership.IsOwnedBy(route, rollout))
                {
                    owned.Add(route);
                }
            }
        }

        return owned;
    }
}
