using System.Collections.Immutable;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.GitOps;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Weights;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Routing.Store;
using ApisixPlugin.Routing.Telemetry;
using Microsoft.Extensions.Logging;

namespace ApisixPlugin.Routing.UseCases;

/// <summary>
/// Read, plan, write, retry: what every use case does with a route. Every route is read and
/// planned before any is written, so a bad route stops the call with nothing changed. A write
/// that meets a concurrent edit (<see cref="RouteConflictException"/>) is re-read, re-planned and
/// retried a bounded number of times, then fails as Aborted.
/// </summary>
public sealed class RouteWrites(IApisixRouteStore store, RolloutRoutes routes, InProgressLabel inProgressLabel, ILogger<RouteWrites> logger)
{
    public const int MaxAttempts = 8;

    /// <summary>
    /// Plans one patch per route from what was read, then writes them in order; returns how many
    /// routes changed. A retry re-reads by <paramref name="reread"/>: by default as a steered
    /// route, with the namespace policy's consent check. A route taken from memory
    /// (<see cref="SteeredRoute.Recalled"/>) costs one request either way: a plan that changes
    /// it is sent at once, its tests guarding against what changed since; a plan that changes
    /// nothing is confirmed by a read first.
    /// </summary>
    public async Task<int> PatchAllAsync(
        RolloutContext rollout,
        ImmutableArray<SteeredRoute> read,
        Func<ApisixRouteSnapshot, RouteTarget, RoutePatch> plan,
        CancellationToken cancellationToken,
        Func<RouteTarget, Task<ApisixRouteSnapshot>>? reread = null)
    {
        reread ??= target => routes.RequireAsync(rollout, target, cancellationToken);
        RoutePatch Plan(SteeredRoute r)
        {
            var patch = plan(r.Route, r.Target);
            return patch.IsEmpty ? patch
                : patch.GuardedBy([.. ConsentGuard(rollout, r), .. r.Recalled ? RecalledRouteGuard.For(r.Route, r.Target, inProgressLabel.Key) : []]);
        }

        async Task<(SteeredRoute, RoutePatch)> FreshPlanAsync(RouteTarget target)
        {
            var fresh = new SteeredRoute(target, await reread(target).ConfigureAwait(false));
            return (fresh, Plan(fresh));
        }

        // A remembered route that cannot be planned (a rule renamed since, a backend added) is
        // read before the call fails: only what the route is now may fail it.
        var planned = new List<(SteeredRoute Route, RoutePatch Patch)>(read.Length);
        foreach (var r in read)
        {
            try
            {
                planned.Add((r, Plan(r)));
            }
            catch (RouterException) when (r.Recalled)
            {
                routes.Forget(r.Target);
                planned.Add(await FreshPlanAsync(r.Target).ConfigureAwait(false));
            }
        }

        var changed = 0;
        foreach (var (steered, firstPatch) in planned)
        {
            var target = steered.Target;
            (SteeredRoute Route, RoutePatch Patch)? next = (steered, firstPatch);
            changed += await RetryAsync(rollout, target.Key, async () =>
            {
                // The first attempt uses the plan made above; a retry after a conflict re-reads.
                var (route, patch) = next ?? await FreshAsync().ConfigureAwait(false);
                next = null;
                if (route.Recalled && patch.IsEmpty)
                {
                    (route, patch) = await FreshAsync().ConfigureAwait(false);
                }

                if (patch.IsEmpty)
                {
                    RouterMetrics.WritesSkipped.Add(1);
                    RouterLog.RouteUnchanged(logger, rollout.Key, patch.Key);
                    return 0;
                }

                try
                {
                    routes.Written(await store.PatchAsync(patch, cancellationToken).ConfigureAwait(false));
                }
                catch (Exception e) when (route.Recalled && e is RouteConflictException or RouterException { Kind: RouterErrorKind.FailedPrecondition })
                {
                    // Memory was behind the route (changed, or gone: 404): not a concurrent edit to
                    // back off from, so plan again from a read at once, as the first call after a
                    // restart does; a route that is gone then fails the call as it would have.
                    routes.Forget(target);
                    RouterMetrics.RecallsMissed.Add(1);
                    (route, patch) = await FreshAsync().ConfigureAwait(false);
                    if (patch.IsEmpty)
                    {
                        RouterMetrics.WritesSkipped.Add(1);
                        RouterLog.RouteUnchanged(logger, rollout.Key, patch.Key);
                        return 0;
                    }

                    routes.Written(await store.PatchAsync(patch, cancellationToken).ConfigureAwait(false));
                }

                RouterLog.RouteWritten(logger, rollout.Key, patch.Key, patch.Operations.Length);
                return 1;
            }, cancellationToken).ConfigureAwait(false);

            Task<(SteeredRoute, RoutePatch)> FreshAsync() => FreshPlanAsync(target);
        }

        return changed;
    }

    /// <summary>
    /// A route of another namespace is written only while it still consents: its consent is tested
    /// in the same patch, so a consent withdrawn since the route was read or remembered fails the
    /// write, and the re-read then refuses the call.
    /// </summary>
    private static ImmutableArray<PatchOperation> ConsentGuard(RolloutContext rollout, SteeredRoute steered) =>
        steered.Target.Namespace == rollout.Namespace || steered.Route.Annotation(ApisixRouteConventions.AllowRolloutsFromAnnotation) is not { } consent
            ? []
            : [PatchOperation.Test($"/metadata/annotations/{PatchOperation.Escape(ApisixRouteConventions.AllowRolloutsFromAnnotation)}", JsonElements.String(consent))];

    /// <summary>Carries out one planned change of a managed route.</summary>
    public async Task ExecuteAsync(RolloutContext rollout, ManagedRouteChange change, CancellationToken cancellationToken)
    {
        switch (change)
        {
            case ManagedRouteChange.Create create:
                // Whether or not the answer arrives, the route may exist from now on.
                routes.Created(create.Key);
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
                RouterLog.ManagedRouteUnchanged(logger, rollout.Key, nothing.Reason);
                break;
        }
    }

    /// <summary>Runs <paramref name="attemptOnce"/> until it does not meet a concurrent edit, at most <see cref="MaxAttempts"/> times.</summary>
    public async Task<T> RetryAsync<T>(RolloutContext rollout, string key, Func<Task<T>> attemptOnce, CancellationToken cancellationToken)
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

    /// <summary>20, 40, 80, 160, 320, then 500 ms, with jitter: enough for a person's kubectl edit or another controller's write to land.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(10 << attempt, 500) * (0.75 + (Random.Shared.NextDouble() / 2)));
}
