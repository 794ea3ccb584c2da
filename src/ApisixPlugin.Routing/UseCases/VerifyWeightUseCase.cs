using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Weights;
using ApisixPlugin.Routing.Telemetry;

namespace ApisixPlugin.Routing.UseCases;

/// <summary>VerifyWeight: every steered route read back (what the selector selects now); the first one that does not carry the split says why.</summary>
public sealed class VerifyWeightUseCase(RolloutRoutes routes)
{
    public async Task<Verification> RunAsync(RolloutContext rollout, int desiredWeight, IReadOnlyList<WeightDestination> additional, CancellationToken cancellationToken)
    {
        var config = routes.Configuration(rollout);
        var split = WeightSplit.For(rollout, desiredWeight, additional);

        // The controller calls VerifyWeight right after SetWeight in each reconcile: a route that
        // SetWeight read a moment ago, whose split is right and which the 2.x ingress controller has
        // already accepted at this very generation, needs no second read (a read a moment later
        // would see the same). Anything else is read: a route just written (its new generation not
        // yet accepted), one without status, or 1.x's condition, which carries no generation to
        // tell a current acceptance from an old one.
        if (routes.RecallFresh(rollout, config, Store.RouteMemory.RecentEnough) is { } recent && AcceptedAtItsGeneration(recent.Route)
            && WeightVerifier.Verify(recent.Route, recent.Target, split).Verified)
        {
            Count(verified: true);
            return Verification.Ok;
        }
        var read = await routes.ReadSteeredAsync(rollout, config, cancellationToken).ConfigureAwait(false);
        foreach (var (target, route) in read)
        {
            var verification = WeightVerifier.Verify(route, target, split);
            if (!verification.Verified)
            {
                Count(verified: false);
                return verification;
            }
        }

        Count(verified: true);
        return Verification.Ok;
    }

    private static bool AcceptedAtItsGeneration(Core.Routes.ApisixRouteSnapshot route) =>
        Core.Routes.IngressCondition.Read(route) is { Type: Core.Routes.IngressCondition.Accepted, IsTrue: true } condition
        && condition.ObservedGeneration == route.Generation;

    private static void Count(bool verified) =>
        RouterMetrics.WeightVerifications.Add(1, new KeyValuePair<string, object?>("verified", verified ? "true" : "false"));
}
