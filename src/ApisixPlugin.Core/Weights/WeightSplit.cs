using System.Collections.Immutable;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Rollouts;

namespace ApisixPlugin.Core.Weights;

/// <summary>
/// The weight every owned backend must have after a SetWeight call: canary = desired,
/// additional destinations as given, stable = the rest of maxTrafficWeight. Weights are ratios in
/// APISIX, so writing them relative to maxTrafficWeight is exact.
/// </summary>
public sealed record WeightSplit(
    string CanaryService,
    int CanaryWeight,
    string StableService,
    int StableWeight,
    ImmutableArray<WeightDestination> Additional)
{
    /// <summary>Validates the call and computes the split; a wrong value is named in the error.</summary>
    public static WeightSplit For(RolloutContext rollout, int desiredWeight, IEnumerable<WeightDestination> additional)
    {
        var max = rollout.MaxTrafficWeight;
        if (max < 1)
        {
            throw RouterException.Invalid($"rollout {rollout.Key}: trafficRouting.maxTrafficWeight must be positive, not {max}");
        }

        var (canary, stable) = rollout.EffectiveServices();
        RequireService(rollout, "canaryService", canary);
        RequireService(rollout, "stableService", stable);
        if (canary == stable)
        {
            throw RouterException.Invalid($"rollout {rollout.Key}: canary and stable service are both '{canary}'");
        }

        if (desiredWeight < 0 || desiredWeight > max)
        {
            throw RouterException.Invalid($"rollout {rollout.Key}: desired weight {desiredWeight} is outside 0..{max} (maxTrafficWeight)");
        }

        var extra = additional.ToImmutableArray();
        var seen = new HashSet<string>(StringComparer.Ordinal) { canary, stable };
        var index = 0;
        foreach (var destination in extra)
        {
            var at = $"rollout {rollout.Key}: additional destination #{index++}";
            if (string.IsNullOrWhiteSpace(destination.ServiceName))
            {
                throw RouterException.Invalid($"{at}: serviceName is empty");
            }

            if (destination.Weight < 0 || destination.Weight > max)
            {
                throw RouterException.Invalid($"{at} ('{destination.ServiceName}'): weight {destination.Weight} is outside 0..{max}");
            }

            if (!seen.Add(destination.ServiceName))
            {
                throw RouterException.Invalid(
                    $"{at}: service '{destination.ServiceName}' is already a destination (canary, stable or another experiment); APISIX rejects a service listed twice in one rule");
            }
        }

        var additionalSum = extra.Sum(d => (long)d.Weight);
        if (desiredWeight + additionalSum > max)
        {
            throw RouterException.Invalid(
                $"rollout {rollout.Key}: weights overflow: canary {desiredWeight} + additional {additionalSum} > {max} (maxTrafficWeight)");
        }

        return new WeightSplit(canary, desiredWeight, stable, max - desiredWeight - (int)additionalSum, extra);
    }

    /// <summary>The weight the split gives <paramref name="service"/>, or null when it does not own it.</summary>
    public int? WeightOf(string service)
    {
        if (service == CanaryService)
        {
            return CanaryWeight;
        }

        if (service == StableService)
        {
            return StableWeight;
        }

        foreach (var destination in Additional)
        {
            if (destination.ServiceName == service)
            {
                return destination.Weight;
            }
        }

        return null;
    }

    public override string ToString() =>
        string.Join(", ", new[] { $"{CanaryService}={CanaryWeight}", $"{StableService}={StableWeight}" }
            .Concat(Additional.Select(a => $"{a.ServiceName}={a.Weight}")));

    private static void RequireService(RolloutContext rollout, string field, string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw RouterException.Invalid($"rollout {rollout.Key}: spec.strategy.canary.{field} is empty");
        }
    }
}
