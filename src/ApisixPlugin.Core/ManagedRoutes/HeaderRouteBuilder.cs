using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Weights;

namespace ApisixPlugin.Core.ManagedRoutes;

/// <summary>
/// A setHeaderRoute step as a managed ApisixRoute: each configured rule copied with the canary
/// backend alone, and the header conditions ANDed onto the rule's own exprs. Several match entries
/// are alternatives (OR), so each gets its own copy of each rule.
/// </summary>
public static class HeaderRouteBuilder
{
    public const string Kind = "header";

    public static JsonElement Build(RolloutContext rollout, string ns, ImmutableArray<ManagedRouteSource> sources, HeaderRouteStep step)
    {
        var at = $"setHeaderRoute '{step.Name}'";
        var boost = RuleCopies.PriorityBoost(rollout, step.Name, "setHeaderRoute");
        var (canaryService, _) = rollout.EffectiveServices();
        var rules = new JsonArray();
        foreach (var (source, rule) in RuleCopies.ConfiguredRules(sources))
        {
            var canary = source.Route.RequireBackend(rule, canaryService, "canary");
            for (var i = 0; i < step.Matches.Length; i++)
            {
                var match = step.Matches[i];
                var header = MatchExpressions.RequireHeaderName(match.HeaderName, $"{at} match[{i}].headerName");
                var expr = MatchExpressions.For("Header", header, match.Value, $"{at} match[{i}] headerValue");
                var name = RuleCopies.RuleName(step.Name, source, rule, sources.Length > 1, step.Matches.Length > 1 ? i : null);
                rules.Add((JsonNode)RuleCopies.Copy(rule, name, RuleCopies.CopyPriority(source.Route, rule, boost),
                    new JsonArray(RuleCopies.BackendWithWeight(canary, 100)), [expr]));
            }
        }

        return RuleCopies.Route(rollout, ns, step.Name, Kind, sources, rules);
    }
}
