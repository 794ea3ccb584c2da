using System.Collections.Immutable;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Routing.Events;

namespace ApisixPlugin.Routing.UseCases;

/// <summary>The two steps that make managed routes, for messages and events.</summary>
public enum ManagedStepKind
{
    SetHeaderRoute,
    SetMirrorRoute,
}

/// <summary>
/// What header and mirror steps share: one managed ApisixRoute per managed route name and source
/// namespace, planned in every namespace before any is written, each written with retries.
/// </summary>
public sealed class ManagedRouteWrites(RolloutRoutes routes, RouteWrites writes, IRolloutEvents events)
{
    /// <summary>Plans a managed route from the sources of one namespace and what is there now.</summary>
    public delegate ManagedRouteChange Plan(string ns, ImmutableArray<ManagedRouteSource> sources, ApisixRouteSnapshot? existing);

    /// <summary>
    /// Validates the step's name and the Rollout's plugin block, lets <paramref name="planFor"/>
    /// make the planner for this configuration, plans every namespace, then writes.
    /// </summary>
    public async Task ApplyAsync(RolloutContext rollout, string name, ManagedStepKind step, Func<PluginConfiguration, Plan> planFor, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw RouterException.Invalid($"{Text(step)}: the managed route name is empty");
        }

        var config = routes.Configuration(rollout);
        var plan = planFor(config);
        var steered = await routes.ReadSteeredAsync(rollout, config, cancellationToken).ConfigureAwait(false);
        var groups = steered.Select(r => r.Target).GroupBy(r => r.Namespace, StringComparer.Ordinal).ToList();

        // Sources are read (and their consent checked) before the managed route next to them;
        // the first plan uses the sources as read above, a retry reads them again.
        async Task<ManagedRouteChange> PlanAsync(IGrouping<string, RouteTarget> group, bool first)
        {
            var targets = group.ToImmutableArray();
            ApisixRouteSnapshot[] sources = first
                ? [.. steered.Where(r => r.Target.Namespace == group.Key).Select(r => r.Route)]
                : await routes.ReadAllAsync(rollout, targets, cancellationToken).ConfigureAwait(false);
            var existing = await routes.ManagedAsync(group.Key, name, cancellationToken).ConfigureAwait(false);
            return plan(group.Key, [.. targets.Select((t, i) => new ManagedRouteSource(sources[i], t))], existing);
        }

        // Every namespace is planned before any is written, so that a bad rule anywhere changes nothing.
        var planned = new List<ManagedRouteChange>();
        foreach (var group in groups)
        {
            planned.Add(await PlanAsync(group, first: true).ConfigureAwait(false));
        }

        for (var i = 0; i < groups.Count; i++)
        {
            var group = groups[i];
            ManagedRouteChange? next = planned[i];
            var change = await writes.RetryAsync(rollout, $"{group.Key}/{name}", async () =>
            {
                // The first attempt uses the plan made above; a retry after a conflict re-reads.
                var current = next ?? await PlanAsync(group, first: false).ConfigureAwait(false);
                next = null;
                await writes.ExecuteAsync(rollout, current, cancellationToken).ConfigureAwait(false);
                return current;
            }, cancellationToken).ConfigureAwait(false);
            if (change is not ManagedRouteChange.Nothing)
            {
                events.Record(new RolloutEvent(rollout, false, step == ManagedStepKind.SetHeaderRoute ? "HeaderRouteSet" : "MirrorRouteSet",
                    $"{Text(step)} '{name}': ApisixRoute {group.Key}/{name} {Describe(change)}"));
            }
        }
    }

    /// <summary>The step as the Rollout spells it.</summary>
    public static string Text(ManagedStepKind step) => step == ManagedStepKind.SetHeaderRoute ? "setHeaderRoute" : "setMirrorRoute";

    private static string Describe(ManagedRouteChange change) => change switch
    {
        ManagedRouteChange.Create => "created",
        ManagedRouteChange.Update => "updated",
        ManagedRouteChange.Delete => "deleted",
        _ => "unchanged",
    };
}
