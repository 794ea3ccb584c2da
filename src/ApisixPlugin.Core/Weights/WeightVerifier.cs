using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Weights;

/// <summary>Whether a route carries the desired split, and why not when it does not.</summary>
public sealed record Verification(bool Verified, string Detail)
{
    public static readonly Verification Ok = new(true, "");
}

/// <summary>
/// Reads a route back: verified only when every configured rule has the desired weights and,
/// where the ingress controller reports status, it has accepted the current generation.
/// </summary>
public static class WeightVerifier
{
    public static Verification Verify(ApisixRouteSnapshot route, RouteTarget target, WeightSplit split)
    {
        foreach (var ruleName in target.Rules)
        {
            var rule = route.RequireRule(ruleName);
            var mismatch = DescribeMismatch(route, rule, split);
            if (mismatch is not null)
            {
                return new Verification(false, mismatch);
            }
        }

        return VerifyStatus(route);
    }

    private static string? DescribeMismatch(ApisixRouteSnapshot route, RouteRule rule, WeightSplit split)
    {
        var wanted = new List<(string Service, int Weight)>
        {
            (split.CanaryService, split.CanaryWeight),
            (split.StableService, split.StableWeight),
        };
        wanted.AddRange(split.Additional.Select(a => (a.ServiceName, a.Weight)));

        var differences = new List<string>();
        foreach (var (service, weight) in wanted)
        {
            var backend = rule.FindBackend(service);
            if (backend is null)
            {
                differences.Add($"'{service}' is missing (want weight {weight})");
            }
            else if (backend.EffectiveWeight != weight)
            {
                differences.Add($"'{service}' has weight {backend.EffectiveWeight}, want {weight}");
            }
        }

        foreach (var stale in AddedBackends.Read(route).For(rule.Name))
        {
            if (wanted.All(w => w.Service != stale) && rule.HasBackend(stale))
            {
                differences.Add($"experiment backend '{stale}' is still present");
            }
        }

        return differences.Count == 0 ? null : $"route {route.Key} rule '{rule.Name}': {string.Join("; ", differences)}";
    }

    /// <summary>
    /// 2.x reports <c>Accepted</c> with the generation it saw. 1.x reports <c>ResourcesAvailable</c>
    /// but rewrites its status only when True/False flips, so its observedGeneration goes stale on
    /// every later change: there, True is the most that can be checked. No status at all (status
    /// writes disabled, or another ingress class) leaves the weights as the only evidence.
    /// </summary>
    internal static Verification VerifyStatus(ApisixRouteSnapshot route)
    {
        if (IngressCondition.Read(route) is not { } condition)
        {
            return Verification.Ok;
        }

        if (!condition.IsTrue)
        {
            return new Verification(false, $"route {route.Key}: {condition.Describe()}");
        }

        if (condition.Type == IngressCondition.Accepted && condition.ObservedGeneration != route.Generation)
        {
            return new Verification(false,
                $"route {route.Key}: the ingress controller has accepted generation {condition.ObservedGeneration}, not yet the current {route.Generation}");
        }

        return Verification.Ok;
    }
}
