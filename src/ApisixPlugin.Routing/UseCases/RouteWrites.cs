using System.Collections.Immutable;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;
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
public sealed class RouteWrites(IApisixRouteStore store, RolloutRoutes routes, ILogger<RouteWrites> logger)
{
    public const int MaxAttempts = 8;

    /// <summary>
    /// Plans one patch per route from what was read, then writes them in order; returns how many
    /// routes changed. A retry re-reads by <paramref name="reread"/>: by default as a steered
    /// route, with the namespace policy's consent check.
    /// </summary>
    public async Task<int> PatchAllAsync(
        RolloutContext rollout,
        ImmutableArray<SteeredRoute> read,
        Func<ApisixRouteSnapshot, RouteTarget, RoutePatch> plan,
        CancellationToken cancellationToken,
        Func<RouteTarget, Task<ApisixRouteSnapshot>>? reread = null)
    {
        reread ??= target => routes.RequireAsync(rollout, target, cancellationToken);
        var patches = read.Select(r => plan(r.Route, r.Target)).ToArray();

        var changed = 0;
        for (var i = 0; i < patches.Length; i++)
        {
            var target = read[i].Target;
            RoutePatch? next = patches[i];
            changed += await RetryAsync(rollout, target.Key, async () =>
            {
                // The first attempt uses the plan made above; a retry after a conflict re-reads.
                var patch = next ?? plan(await reread(target).ConfigureAwait(false), target);
                next = null;
                if (patch.IsEmpty)
                {
                    RouterMetrics.WritesSkipped.Add(1);
                    RouterLog.RouteUnchanged(logger, rollout.Key, patch.Key);
                    return 0;
                }

                await store.PatchAsync(patch, cancellationToken).ConfigureAwait(false);
                RouterLog.RouteWritten(logger, rollout.Key, patch.Key, patch.Operations.Length);
                return 1;
            }, cancellationToken).ConfigureAwait(false);
        }

        return changed;
    }

    /// <summary>Carries out one planned change of a managed route.</summary>
    public async Task ExecuteAsync(RolloutContext rollout, ManagedRouteChange change, CancellationToken cancellationToken)
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
