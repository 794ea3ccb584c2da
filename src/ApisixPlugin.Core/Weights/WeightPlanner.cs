using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Weights;

/// <summary>
/// Turns a weight split into the JSON Patch for one ApisixRoute. Only the backends of the
/// configured rules (and the plugin's own annotation) are written; each replaced backends list is
/// guarded by a <c>test</c> of the list as it was read, so a concurrent edit makes the write fail
/// and be retried instead of being overwritten. A route that already has the split yields an empty
/// patch: nothing is sent.
/// </summary>
public static class WeightPlanner
{
    public static RoutePatch Plan(ApisixRouteSnapshot route, RouteTarget target, WeightSplit split)
    {
        var recorded = AddedBackends.Read(route);
        var added = recorded;
        var operations = ImmutableArray.CreateBuilder<PatchOperation>();

        // One pass over spec.http when several rules are configured, so that planning stays linear
        // in the route's size; a single rule is found without parsing the others.
        var index = target.Rules.Length > 1 ? IndexRules(route) : null;
        foreach (var ruleName in target.Rules)
        {
            var rule = RequireRule(route, ruleName, index);
            var backends = PlanBackends(route, rule, split, recorded.For(ruleName));
            if (!JsonElements.DeepEquals(backends, rule.Json.GetProperty("backends")))
            {
                var at = $"/spec/http/{rule.Index}";
                operations.Add(PatchOperation.Test($"{at}/name", JsonElements.String(rule.Name)));
                operations.Add(PatchOperation.Test($"{at}/backends", rule.Json.GetProperty("backends")));
                operations.Add(PatchOperation.Replace($"{at}/backends", backends));
            }

            added = added.With(ruleName, split.Additional.Select(a => a.ServiceName));
        }

        operations.AddRange(AnnotationChange(route, added));
        return new RoutePatch(route.Namespace, route.Name, operations.ToImmutable());
    }

    /// <summary>The configured rule, with a canary and a stable backend and no service listed twice.</summary>
    internal static Dictionary<string, RouteRule> IndexRules(ApisixRouteSnapshot route)
    {
        var index = new Dictionary<string, RouteRule>(StringComparer.Ordinal);
        foreach (var rule in route.Rules())
        {
            index.TryAdd(rule.Name, rule);
        }

        return index;
    }

    internal static RouteRule RequireRule(ApisixRouteSnapshot route, string ruleName, Dictionary<string, RouteRule>? index = null)
    {
        var found = index is null ? route.FindRule(ruleName) : index.GetValueOrDefault(ruleName);
        var rule = found ?? throw RouterException.Precondition(
            $"route {route.Key}: no rule named '{ruleName}' in spec.http (rules: {string.Join(", ", route.Rules().Select(r => $"'{r.Name}'"))})");
        if (!rule.HasBackendsArray)
        {
            throw RouterException.Precondition($"route {route.Key} rule '{ruleName}': spec.http[{rule.Index}].backends is missing");
        }

        var duplicate = rule.Backends.GroupBy(b => b.ServiceName).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw RouterException.Precondition(
                $"route {route.Key} rule '{ruleName}': backends list service '{duplicate.Key}' more than once (APISIX rejects it)");
        }

        return rule;
    }

    internal static RouteBackend RequireBackend(ApisixRouteSnapshot route, RouteRule rule, string service, string role) =>
        rule.Backends.FirstOrDefault(b => b.ServiceName == service) ?? throw RouterException.Precondition(
            $"route {route.Key} rule '{rule.Name}': no backend with serviceName '{service}' (the Rollout's {role} service); backends: {string.Join(", ", rule.Backends.Select(b => $"'{b.ServiceName}'"))}");

    private static JsonElement PlanBackends(ApisixRouteSnapshot route, RouteRule rule, WeightSplit split, ImmutableSortedSet<string> addedBefore)
    {
        _ = RequireBackend(route, rule, split.CanaryService, "canary");
        var stable = RequireBackend(route, rule, split.StableService, "stable");

        var result = new JsonArray();
        foreach (var backend in rule.Backends)
        {
            var owned = split.WeightOf(backend.ServiceName);
            var isExperiment = owned is not null && backend.ServiceName != split.CanaryService && backend.ServiceName != split.StableService;
            if (isExperiment && !addedBefore.Contains(backend.ServiceName))
            {
                throw RouterException.Precondition(
                    $"route {route.Key} rule '{rule.Name}': backend '{backend.ServiceName}' was not added by this plugin, so it will not take it over as an experiment destination");
            }

            if (owned is { } weight)
            {
                result.Add((JsonNode)WithWeight(backend.Json, weight));
            }
            else if (!addedBefore.Contains(backend.ServiceName))
            {
                // Someone else's backend: carried through untouched.
                result.Add(JsonElements.ToNode(backend.Json));
            }

            // else: an experiment backend of an earlier step that is gone now; dropped.
        }

        foreach (var destination in split.Additional)
        {
            if (rule.Backends.All(b => b.ServiceName != destination.ServiceName))
            {
                result.Add((JsonNode)NewBackend(stable, destination.ServiceName, destination.Weight));
            }
        }

        var total = JsonElements.ToElement(result).EnumerateArray()
            .Sum(b => b.TryGetProperty("weight", out var w) && w.TryGetInt64(out var n) ? n : RouteBackend.DefaultWeight);
        if (total <= 0)
        {
            // APISIX spreads traffic evenly when every weight is 0: never write that.
            throw RouterException.Invalid($"route {route.Key} rule '{rule.Name}': the split {split} would give every backend weight 0");
        }

        return JsonElements.ToElement(result);
    }

    private static JsonObject WithWeight(JsonElement backend, int weight)
    {
        var node = JsonElements.ToNode(backend)!.AsObject();
        node["weight"] = weight;
        return node;
    }

    /// <summary>An experiment backend: the stable backend's port and resolution, the experiment's service.</summary>
    private static JsonObject NewBackend(RouteBackend stable, string service, int weight)
    {
        var backend = new JsonObject { ["serviceName"] = service };
        if (stable.ServicePort is { } port)
        {
            backend["servicePort"] = JsonElements.ToNode(port);
        }

        if (stable.Json.TryGetProperty("resolveGranularity", out var granularity))
        {
            backend["resolveGranularity"] = JsonElements.ToNode(granularity);
        }

        backend["weight"] = weight;
        return backend;
    }

    private static IEnumerable<PatchOperation> AnnotationChange(ApisixRouteSnapshot route, AddedBackends after)
    {
        var key = ApisixRouteConventions.AddedBackendsAnnotation;
        var path = $"/metadata/annotations/{PatchOperation.Escape(key)}";
        var existing = route.Annotation(key);
        var wanted = after.IsEmpty ? null : after.ToJson();
        if (existing == wanted)
        {
            yield break;
        }

        if (wanted is null)
        {
            yield return PatchOperation.Remove(path);
        }
        else if (!route.HasAnnotations)
        {
            // The whole map is written: fail, instead of overwriting, if someone added one meanwhile.
            yield return PatchOperation.Test("/metadata/resourceVersion", JsonElements.String(route.ResourceVersion ?? ""));
            yield return PatchOperation.Add("/metadata/annotations", JsonElements.ToElement(new JsonObject { [key] = wanted }));
        }
        else
        {
            yield return PatchOperation.Add(path, JsonElements.String(wanted));
        }
    }
}
