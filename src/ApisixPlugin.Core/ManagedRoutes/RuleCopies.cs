using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Weights;

namespace ApisixPlugin.Core.ManagedRoutes;

/// <summary>A configured route with the rules the Rollout steers in it.</summary>
public sealed record ManagedRouteSource(ApisixRouteSnapshot Route, RouteTarget Target);

/// <summary>
/// What header and mirror routes share: copies of the configured rules that keep everything that
/// decides which requests a rule takes (paths, hosts, methods, remoteAddrs, exprs, plugins,
/// timeout, websocket, authentication) and differ in name, priority, backends and extra conditions.
/// </summary>
internal static class RuleCopies
{
    /// <summary>
    /// Above the source rule, ordered by trafficRouting.managedRoutes: the first listed gets the
    /// highest priority, so it wins when several managed routes match one request.
    /// </summary>
    public static int PriorityBoost(RolloutContext rollout, string managedRoute, string step)
    {
        var index = rollout.ManagedRoutes.IndexOf(managedRoute);
        if (index < 0)
        {
            throw RouterException.Invalid(
                $"{step} '{managedRoute}': not listed in spec.strategy.canary.trafficRouting.managedRoutes ({string.Join(", ", rollout.ManagedRoutes.Select(m => $"'{m}'"))})");
        }

        return rollout.ManagedRoutes.Length - index;
    }

    public static string RuleName(string managedRoute, ManagedRouteSource source, RouteRule rule, bool severalRoutes, int? matchIndex) =>
        RuleName(managedRoute, source.Route.Name, rule.Name, severalRoutes, matchIndex);

    /// <summary>A copy's name: the managed route's, the source route's when the Rollout names several, the rule's, and the match entry's number.</summary>
    public static string RuleName(string managedRoute, string sourceRoute, string rule, bool severalRoutes, int? matchIndex)
    {
        var name = severalRoutes ? $"{managedRoute}-{sourceRoute}-{rule}" : $"{managedRoute}-{rule}";
        return matchIndex is { } i ? $"{name}-{i}" : name;
    }

    public static JsonObject Copy(RouteRule rule, string name, int priority, JsonArray backends, IEnumerable<JsonObject> extraExprs)
    {
        var copy = JsonElements.ToNode(rule.Json)!.AsObject();
        copy["name"] = name;
        copy["priority"] = priority;
        copy["backends"] = backends;

        // upstreams would send the copy's traffic elsewhere than its backends.
        copy.Remove("upstreams");

        var match = copy["match"] as JsonObject ?? new JsonObject();
        copy["match"] = match;
        var exprs = match["exprs"] as JsonArray ?? [];
        foreach (var expr in extraExprs)
        {
            exprs.Add((JsonNode)expr);
        }

        // The 1.x CRD requires at least one item when exprs is present.
        if (exprs.Count > 0)
        {
            match["exprs"] = exprs;
        }

        return copy;
    }

    /// <summary>The managed route: metadata of its own, the source's ingress class, the copied rules.</summary>
    public static JsonElement Route(RolloutContext rollout, string ns, string name, string kind, ImmutableArray<ManagedRouteSource> sources, JsonArray rules, AddedBackends? added = null)
    {
        var spec = new JsonObject();
        var classes = sources.Select(s => IngressClass(s.Route)).Distinct().ToList();
        if (classes.Count > 1)
        {
            throw RouterException.Invalid(
                $"managed route {ns}/{name}: the configured routes use different ingressClassName values ({string.Join(", ", classes.Select(c => c ?? "none"))}); one managed route cannot serve them all");
        }

        if (classes[0] is { } ingressClass)
        {
            // Without it a 2.x ingress controller silently ignores the copy.
            spec["ingressClassName"] = ingressClass;
        }

        RequireDistinctNames(ns, name, rules);
        spec["http"] = rules;
        var metadata = ManagedRouteOwnership.Metadata(rollout, ns, name, kind);
        if (added is { IsEmpty: false })
        {
            // Copied experiment backends stay the plugin's: a later weight step may remove them.
            metadata["annotations"]![ApisixRouteConventions.AddedBackendsAnnotation] = added.ToJson();
        }

        var route = new JsonObject
        {
            ["apiVersion"] = ApisixRouteConventions.ApiVersion,
            ["kind"] = ApisixRouteConventions.Kind,
            ["metadata"] = metadata,
            ["spec"] = spec,
        };
        return JsonElements.ToElement(route);
    }

    /// <summary>
    /// Copy names join route and rule names with '-', so route "a-b" rule "c" and route "a" rule
    /// "b-c" meet; two rules of one name would be rejected by the 2.x CRD and refused by every
    /// later weight step on a mirror route.
    /// </summary>
    private static void RequireDistinctNames(string ns, string name, JsonArray rules)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            var ruleName = rule?["name"]?.GetValue<string>() ?? "";
            if (!seen.Add(ruleName))
            {
                throw RouterException.Invalid(
                    $"managed route {ns}/{name}: two copied rules would both be named '{ruleName}' (route and rule names joined by '-' meet); rename a route or a rule");
            }
        }
    }

    /// <summary>The copy's priority: above the source rule by the boost, which must still fit APISIX's 32-bit priority.</summary>
    public static int CopyPriority(ApisixRouteSnapshot route, RouteRule rule, int boost)
    {
        var priority = (long)rule.Priority + boost;
        return priority <= int.MaxValue
            ? (int)priority
            : throw RouterException.Precondition(
                $"route {route.Key} rule '{rule.Name}': priority {rule.Priority} leaves no room above it for the managed route's copy (at most {int.MaxValue - boost})");
    }

    public static IEnumerable<(ManagedRouteSource Source, RouteRule Rule)> ConfiguredRules(ImmutableArray<ManagedRouteSource> sources) =>
        sources.SelectMany(s => s.Target.Rules.Select(r => (s, s.Route.RequireRule(r))));

    public static JsonObject BackendWithWeight(RouteBackend backend, int weight)
    {
        var node = JsonElements.ToNode(backend.Json)!.AsObject();
        node["weight"] = weight;
        return node;
    }

    private static string? IngressClass(ApisixRouteSnapshot route) =>
        route.Json.TryGetProperty("spec", out var spec) && spec.TryGetProperty("ingressClassName", out var c) && c.ValueKind == JsonValueKind.String
            ? c.GetString()
            : null;
}
