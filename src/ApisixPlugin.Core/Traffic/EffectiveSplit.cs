using System.Collections.Immutable;
using System.Text.Json;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Traffic;

/// <summary>The Rollout's two Services, to name each backend's role.</summary>
public sealed record ServiceRoles(string Canary, string Stable)
{
    public string Of(string service) => service == Canary ? "canary" : service == Stable ? "stable" : "other";
}

/// <summary>
/// A rule's backends as APISIX will share its requests, from what the ingress controller makes of
/// them (apisix-ingress-controller 2.x internal/adc/translator/apisixroute.go, 1.x
/// pkg/providers/apisix/translation/apisix_route.go) and what APISIX's traffic-split does with
/// that (apisix/plugins/traffic-split.lua over lua-resty-balancer's roundrobin):
/// <list type="bullet">
/// <item>One backend is the route's upstream and the others join it in traffic-split, each with
/// its weight, absent = 100. Weights are ratios; a 0 weight gets nothing while another is above 0;
/// all 0 is picked in turn, i.e. evenly.</item>
/// <item>A single backend gets every request, whatever its weight: no traffic-split is made.</item>
/// <item>A backend whose Service is missing: 2.x leaves it out and shares among the rest; 1.x
/// fails the whole route.</item>
/// <item>traffic-split takes at most 20 weighted upstreams and integer weights from 0.</item>
/// </list>
/// Endpoints are not looked at: a Service without ready endpoints still counts here, although on
/// 2.x, when the first served backend has no endpoint, the controller writes no traffic-split and
/// the rule's upstream has no node at all.
/// </summary>
public static class EffectiveSplit
{
    /// <summary>traffic-split's schema: weighted_upstreams maxItems.</summary>
    public const int MaxWeightedUpstreams = 20;

    public static RuleSplit ForRule(ApisixRouteSnapshot route, RouteRule rule, ServiceRoles roles, KnownServices services, ControllerGeneration generation)
    {
        RuleSplit Refused(SplitOutcome outcome, string problem, params string[] notes) =>
            new(route.Key, rule.Name, rule.Priority, outcome, [], problem, [.. notes]);

        if (rule.Json.ValueKind == JsonValueKind.Object && rule.Json.TryGetProperty("upstreams"u8, out var upstreams)
            && upstreams.ValueKind == JsonValueKind.Array && upstreams.GetArrayLength() > 0)
        {
            return Refused(SplitOutcome.NotComputed, "not computed: the rule lists upstreams (ApisixUpstream), whose weights join the backends'");
        }

        if (rule.Backends.IsEmpty)
        {
            return Refused(SplitOutcome.NoBackend, "no backend: the rule lists none");
        }

        foreach (var backend in rule.Backends)
        {
            if ((backend.Problem() ?? WeightProblem(backend)) is { } problem)
            {
                return Refused(SplitOutcome.Rejected, $"rejected: backends[{backend.Index}] {problem}");
            }
        }

        if (rule.Backends.GroupBy(b => b.ServiceName, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            return Refused(SplitOutcome.Rejected, $"rejected: service '{twice.Key}' is listed twice (a 2.x ingress controller rejects the route as InvalidSpec)");
        }

        var notes = ImmutableArray.CreateBuilder<string>();
        var missing = rule.Backends.Where(b => services.Exists(b.ServiceName) == false).ToList();
        if (missing.Count > 0)
        {
            var names = string.Join(", ", missing.Select(b => $"'{b.ServiceName}'"));
            if (generation == ControllerGeneration.V1)
            {
                return Refused(SplitOutcome.Rejected,
                    $"rejected: Service {names} does not exist, and a 1.x ingress controller fails the whole route (every rule) until it does");
            }

            if (generation == ControllerGeneration.Unknown)
            {
                notes.Add($"Service {names} does not exist: a 2.x ingress controller skips it, as shown; a 1.x controller fails the whole route instead");
            }
        }

        var served = rule.Backends.Where(b => services.Exists(b.ServiceName) != false).ToList();
        if (served.Count == 0)
        {
            return Refused(SplitOutcome.NoBackend, "no backend: no backend's Service exists, so APISIX has no upstream node for these requests", [.. notes]);
        }

        if (served.Count > MaxWeightedUpstreams)
        {
            return Refused(SplitOutcome.Rejected, $"rejected: {served.Count} backends, and APISIX's traffic-split takes at most {MaxWeightedUpstreams}");
        }

        var total = served.Sum(b => (long)b.EffectiveWeight);
        var shares = rule.Backends.Select(b =>
        {
            var role = roles.Of(b.ServiceName);
            if (services.Exists(b.ServiceName) == false)
            {
                return new BackendShare(b.ServiceName, role, b.EffectiveWeight, 0m, "Service missing: skipped");
            }

            // One backend needs no traffic-split: it is the route's upstream whatever its weight.
            // All weights 0: the round robin picks each in turn.
            var percent = served.Count == 1 ? 100m
                : total == 0 ? Percent(1, served.Count)
                : Percent(b.EffectiveWeight, total);
            return new BackendShare(b.ServiceName, role, b.EffectiveWeight, percent);
        });
        if (served.Count == 1 && served[0].EffectiveWeight == 0)
        {
            notes.Add($"'{served[0].ServiceName}' has weight 0 but is the only backend served, so it takes every request");
        }
        else if (served.Count > 1 && total == 0)
        {
            notes.Add("every weight is 0, so APISIX spreads the requests evenly");
        }

        return new RuleSplit(route.Key, rule.Name, rule.Priority, SplitOutcome.Split, [.. shares], null, notes.ToImmutable());
    }

    /// <summary>A percentage with one decimal, halves away from zero (2/3 is 66.7).</summary>
    public static decimal Percent(long part, long whole) => Math.Round(100m * part / whole, 1, MidpointRounding.AwayFromZero);

    /// <summary>traffic-split's schema: an integer weight, minimum 0 (the plugin's own checks allow any number).</summary>
    private static string? WeightProblem(RouteBackend backend) =>
        backend.Json.TryGetProperty("weight"u8, out var weight) && !(weight.TryGetInt32(out var w) && w >= 0)
            ? $"has weight {weight.GetRawText()}; APISIX takes whole weights from 0"
            : null;
}
