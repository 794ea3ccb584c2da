using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Routing.Events;

namespace ApisixPlugin.Routing.UseCases;

/// <summary>
/// RemoveManagedRoutes: deletes the managed routes this Rollout owns and lists; ones already gone
/// are skipped and foreign ones are left alone. The source routes' weights are the controller's
/// business. In another namespace no consent is asked: only a route that carries this Rollout's
/// uid as its owner is deleted, and the Rollout could only have made it there with consent; a
/// route whose consent was withdrawn since is still cleaned up. One event names what was deleted,
/// so the Rollout's events show the end of its header and mirror routes as they show the start.
/// </summary>
public sealed class RemoveManagedRoutesUseCase(RolloutRoutes routes, RouteWrites writes, IRolloutEvents events)
{
    public async Task<int> RunAsync(RolloutContext rollout, CancellationToken cancellationToken)
    {
        var config = routes.Configuration(rollout);
        var deleted = new List<string>();
        foreach (var ns in config.RouteNamespaces)
        {
            foreach (var name in rollout.ManagedRoutes)
            {
                var change = await writes.RetryAsync(rollout, $"{ns}/{name}", async () =>
                {
                    var existing = await routes.ManagedAsync(ns, name, cancellationToken, rememberMissing: true).ConfigureAwait(false);
                    var planned = ManagedRoutePlanner.Remove(existing, rollout, "removeManagedRoutes", foreignIsError: false);
                    await writes.ExecuteAsync(rollout, planned, cancellationToken).ConfigureAwait(false);
                    return planned;
                }, cancellationToken).ConfigureAwait(false);
                if (change is ManagedRouteChange.Delete)
                {
                    deleted.Add($"{ns}/{name}");
                }
            }
        }

        if (deleted.Count > 0)
        {
            events.Record(new RolloutEvent(rollout, false, "ManagedRoutesRemoved", $"managed ApisixRoutes deleted: {string.Join(", ", deleted)}"));
        }

        return deleted.Count;
    }
}
