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

    private static void Count(bool verified) =>
        RouterMetrics.WeightVerifications.Add(1, new KeyValuePair<string, object?>("verified", verified ? "true" : "false"));
}
