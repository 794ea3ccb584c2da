using System.Collections.Immutable;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Weights;
using ApisixPlugin.Kubernetes.Events;
using ApisixPlugin.Kubernetes.Store;
using ApisixPlugin.Kubernetes.Telemetry;

namespace ApisixPlugin.Kubernetes.Routing;

/// <summary>Header and mirror routes: one managed ApisixRoute per managed route name and namespace.</summary>
public sealed partial class ApisixTrafficRouter
{
    public async Task SetHeaderRouteAsync(RolloutContext rollout, HeaderRouteStep step, CancellationToken cancellationToken)
    {
        RequireName(step.Name, "setHeaderRoute");
        var config = Configuration(rollout);
        await ApplyManagedAsync(rollout, config, step.Name, "setHeaderRoute", (ns, sources, existing) => step.Matches.IsEmpty
            ? ManagedRoutePlanner.Remove(existing, rollout, $"setHeaderRoute '{step.Name}'", foreignIsError: true)
            : ManagedRoutePlanner.Upsert(existing, HeaderRouteBuilder.Build(rollout, ns, sources, step), rollout, $"setHeaderRoute '{step.Name}'"),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task SetMirrorRouteAsync(RolloutContext rollout, MirrorRouteStep step, CancellationToken cancellationToken)
    {
        RequireName(step.Name, "setMirrorRoute");
        var config = Configuration(rollout);
        var remove = step.Matches.IsEmpty || MirrorRouteBuilder.SampleRatio(step) is null;
        await ApplyManagedAsync(rollout, config, step.Name, "setMirrorRoute", (ns, sources, existing) => remove
            ? ManagedRoutePlanner.Remove(existing, rollout, $"setMirrorRoute '{step.Name}'", foreignIsError: true)
            : ManagedRoutePlanner.Upsert(existing, MirrorRouteBuilder.Build(rollout, ns, sources, step, config.ClusterDomain), rollout, $"setMirrorRoute '{step.Name}'"),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the managed routes this Rollout owns and lists; ones already gone are skipped and
    /// foreign ones are left alone. The source routes' weights are the controller's business.
    /// In another namespace no consent is asked: only a route that carries this Rollout's uid as
    /// its owner is deleted, and the Rollout could only have made it there with consent; a route
    /// whose consent was withdrawn since is still cleaned up.
    /// </summary>
    public async Task<int> RemoveManagedRoutesAsync(RolloutContext rollout, CancellationToken cancellationToken)
    {
        var config = Configuration(rollout);
        var deleted = 0;
        foreach (var ns in config.Routes.Select(r => r.Namespace).Distinct(StringComparer.Ordinal))
        {
            foreach (var name in rollout.ManagedRoutes)
            {
                var change = await RetryAsync(rollout, $"{ns}/{name}", async () =>
                {
                    var existing = await store.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
                    var planned = ManagedRoutePlanner.Remove(existing, rollout, "removeManagedRoutes", foreignIsError: false);
                    await ExecuteAsync(rollout, planned, cancellationToken).ConfigureAwait(false);
                    return planned;
                }, cancellationToken).ConfigureAwait(false);
                deleted += change is ManagedRouteChange.Delete ? 1 : 0;
            }
        }

        return deleted;
    }

    private async Task ApplyManagedAsync(
        RolloutContext rollout,
        PluginConfiguration config,
        string name,
        string step,
        Func<string, ImmutableArray<ManagedRouteSource>, ApisixRouteSnapshot?, ManagedRouteChange> plan,
        CancellationToken cancellationToken)
    {
        var groups = config.Routes.GroupBy(r => r.Namespace, StringComparer.Ordinal).ToList();

        // Plan every namespace before writing any, so that a bad rule anywhere changes nothing.
        async Task<ManagedRouteChange> PlanAsync(IGrouping<string, RouteTarget> group)
        {
            var targets = group.ToImmutableArray();
            var routes = await ReadAllAsync(rollout, targets, cancellationToken).ConfigureAwait(false);
            var existing = await store.GetAsync(group.Key, name, cancellationToken).ConfigureAwait(false);
            return plan(group.Key, [.. targets.Select((t, i) => new ManagedRouteSource(routes[i], t))], existing);
        }

        var planned = new List<ManagedRouteChange>();
        foreach (var group in groups)
        {
            planned.Add(await PlanAsync(group).ConfigureAwait(false));
        }

        for (var i = 0; i < groups.Count; i++)
        {
            var group = groups[i];
            ManagedRouteChange? next = planned[i];
            var change = await RetryAsync(rollout, $"{group.Key}/{name}", async () =>
            {
                // The first attempt uses the plan made above; a retry after a conflict re-reads.
                var current = next ?? await PlanAsync(group).ConfigureAwait(false);
                next = null;
                await ExecuteAsync(rollout, current, cancellationToken).ConfigureAwait(false);
                return current;
            }, cancellationToken).ConfigureAwait(false);
            if (change is not ManagedRouteChange.Nothing)
            {
                events.Record(new RolloutEvent(rollout, false, step == "setHeaderRoute" ? "HeaderRouteSet" : "MirrorRouteSet",
                    $"{step} '{name}': ApisixRoute {group.Key}/{name} {Describe(change)}"));
            }
        }
    }

    /// <summary>
    /// A mirror route serves its matching requests with the canary split, so every weight step
    /// carries the split over to the mirror routes this Rollout owns. Costs one read per managed
    /// route name, and nothing when the Rollout lists none.
    /// </summary>
    private async Task<int> SyncMirrorWeightsAsync(RolloutContext rollout, PluginConfiguration config, WeightSplit split, CancellationToken cancellationToken)
    {
        var changed = 0;
        foreach (var ns in config.Routes.Select(r => r.Namespace).Distinct(StringComparer.Ordinal))
        {
            foreach (var name in rollout.ManagedRoutes)
            {
                var route = await store.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
                if (route is null || !ManagedRouteOwnership.IsOwnedBy(route, rollout)
                    || route.Annotation(ApisixRouteConventions.ManagedKindAnnotation) != MirrorRouteBuilder.Kind)
                {
                    continue;
                }

                var target = new RouteTarget(ns, name, [.. route.Rules().Select(r => r.Name)]);
                changed += await ApplyAsync(rollout, [target], (r, t) => WeightPlanner.Plan(r, t, split), cancellationToken).ConfigureAwait(false);
            }
        }

        return changed;
    }

    private async Task ExecuteAsync(RolloutContext rollout, ManagedRouteChange change, CancellationToken cancellationToken)
    {
        switch (change)
        {
            case ManagedRouteChange.Create create:
                var created = await store.CreateAsync(create.Namespace, create.Route, cancellationToken).ConfigureAwait(false);
                RouterLog.ManagedRouteCreated(logger, rollout.Key, created.Key);
                break;
            case ManagedRouteChange.Update update:
                await store.PatchAsync(update.Patch, cancellationToken).ConfigureAwait(false);
                RouterLog.RouteWritten(logger, rollout.Key, update.Patch.Key, update.Patch.Operations.Length);
                break;
            case ManagedRouteChange.Delete delete:
                await store.DeleteAsync(delete.Route, cancellationToken).ConfigureAwait(false);
                RouterLog.ManagedRouteDeleted(logger, rollout.Key, delete.Route.Key);
                break;
            case ManagedRouteChange.Nothing nothing:
                RouterMetrics.WritesSkipped.Add(1);
                RouterLog.RouteUnchanged(logger, rollout.Key, nothing.Reason);
                break;
        }
    }

    private async Task<T> RetryAsync<T>(RolloutContext rollout, string key, Func<Task<T>> attemptOnce, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await attemptOnce().ConfigureAwait(false);
            }
            catch (RouteConflictException e)
            {
                if (attempt == MaxAttempts)
                {
                    throw new RouterException(RouterErrorKind.Aborted,
                        $"route {key}: still changing under concurrent edits after {MaxAttempts} attempts ({e.Message})", e);
                }

                RouterMetrics.ConflictsRetried.Add(1);
                RouterLog.ConflictRetry(logger, rollout.Key, key, attempt);
                await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string Describe(ManagedRouteChange change) => change switch
    {
        ManagedRouteChange.Create => "created",
        ManagedRouteChange.Update => "updated",
        ManagedRouteChange.Delete => "deleted",
        _ => "unchanged",
    };

    private static void RequireName(string name, string step)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw RouterException.Invalid($"{step}: the managed route name is empty");
        }
    }
}
