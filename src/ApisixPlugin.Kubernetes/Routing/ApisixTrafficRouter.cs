using System.Collections.Immutable;
using ApisixPlugin.Core.Access;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Weights;
using ApisixPlugin.Kubernetes.Events;
using ApisixPlugin.Kubernetes.Store;
using ApisixPlugin.Kubernetes.Telemetry;
using Microsoft.Extensions.Logging;

namespace ApisixPlugin.Kubernetes.Routing;

/// <summary>
/// Carries out traffic-router calls: reads the configured routes, lets the pure core plan the
/// change, and writes it. Every route is read and planned before any is written, so one bad route
/// stops the call with nothing changed. A write that meets a concurrent edit is re-read, re-planned
/// and retried a bounded number of times. A route in another namespace than the Rollout's is
/// used only with its consent (<see cref="RouteNamespacePolicy"/>), checked on every read before
/// anything about it is planned or reported.
/// </summary>
public sealed partial class ApisixTrafficRouter(
    IApisixRouteStore store, IRolloutEvents events, RouteNamespacePolicy namespaces, ILogger<ApisixTrafficRouter> logger)
{
    public const int MaxAttempts = 8;

    public async Task<int> SetWeightAsync(RolloutContext rollout, int desiredWeight, IReadOnlyList<WeightDestination> additional, CancellationToken cancellationToken)
    {
        var config = Configuration(rollout);
        var split = WeightSplit.For(rollout, desiredWeight, additional);
        var changed = await ApplyAsync(rollout, config.Routes, (route, target) => WeightPlanner.Plan(route, target, split), cancellationToken).ConfigureAwait(false);
        changed += await SyncMirrorWeightsAsync(rollout, config, split, cancellationToken).ConfigureAwait(false);
        if (changed > 0)
        {
            events.Record(new RolloutEvent(rollout, false, "WeightUpdated",
                $"ApisixRoute weights set to {split} on {string.Join(", ", config.Routes.Select(r => $"{r.Key} [{string.Join(", ", r.Rules)}]"))}"));
        }

        return changed;
    }

    public async Task<Verification> VerifyWeightAsync(RolloutContext rollout, int desiredWeight, IReadOnlyList<WeightDestination> additional, CancellationToken cancellationToken)
    {
        var config = Configuration(rollout);
        var split = WeightSplit.For(rollout, desiredWeight, additional);
        var routes = await ReadAllAsync(rollout, config.Routes, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < routes.Length; i++)
        {
            var verification = WeightVerifier.Verify(routes[i], config.Routes[i], split);
            if (!verification.Verified)
            {
                return verification;
            }
        }

        return Verification.Ok;
    }

    /// <summary>
    /// Validates the plugin block and the operator's namespace allowlist; the call fails before any
    /// read when either is wrong.
    /// </summary>
    private PluginConfiguration Configuration(RolloutContext rollout)
    {
        var config = PluginConfigurationParser.Parse(rollout.PluginName, rollout.PluginConfigJson, rollout.Namespace);
        foreach (var target in config.Routes)
        {
            namespaces.RequireAllowed(rollout, target);
        }

        return config;
    }

    private async Task<int> ApplyAsync(
        RolloutContext rollout,
        ImmutableArray<RouteTarget> targets,
        Func<ApisixRouteSnapshot, RouteTarget, RoutePatch> plan,
        CancellationToken cancellationToken)
    {
        var routes = await ReadAllAsync(rollout, targets, cancellationToken).ConfigureAwait(false);
        var patches = targets.Select((target, i) => plan(routes[i], target)).ToArray();

        var changed = 0;
        for (var i = 0; i < patches.Length; i++)
        {
            var target = targets[i];
            RoutePatch? next = patches[i];
            changed += await RetryAsync(rollout, target.Key, async () =>
            {
                // The first attempt uses the plan made above; a retry after a conflict re-reads.
                var patch = next ?? plan(await RequireAsync(rollout, target, cancellationToken).ConfigureAwait(false), target);
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

    private async Task<ApisixRouteSnapshot[]> ReadAllAsync(RolloutContext rollout, ImmutableArray<RouteTarget> targets, CancellationToken cancellationToken) =>
        await Task.WhenAll(targets.Select(t => RequireAsync(rollout, t, cancellationToken))).ConfigureAwait(false);

    /// <summary>The configured route, once it is known to consent to this Rollout.</summary>
    private async Task<ApisixRouteSnapshot> RequireAsync(RolloutContext rollout, RouteTarget target, CancellationToken cancellationToken) =>
        namespaces.RequireConsent(rollout, target, await store.GetAsync(target.Namespace, target.Name, cancellationToken).ConfigureAwait(false))
        ?? throw RouterException.Precondition($"route {target.Key}: no ApisixRoute named '{target.Name}' in namespace '{target.Namespace}'");

    /// <summary>20, 40, 80, 160, 320, then 500 ms, with jitter: enough for a person's kubectl edit or another controller's write to land.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(10 << attempt, 500) * (0.75 + (Random.Shared.NextDouble() / 2)));
}
