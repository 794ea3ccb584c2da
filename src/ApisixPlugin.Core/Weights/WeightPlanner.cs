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

        // One pass over spec.http when several rules are configured, so that planning stays linear
        // in the route's size; a single rule is found without parsing the others.
        var index = target.Rules.Length > 1 ? IndexRules(route) : null;
        var changed = new List<ChangedRule>();
        foreach (var ruleName in target.Rules)
        {
            var rule = RequireRule(route, ruleName, index);
            if (BackendsRewrite.Check(route, rule, split, recorded.For(ruleName)) is { } change)
            {
                changed.Add(change);
            }
        }

        var operations = ImmutableArray.CreateBuilder<PatchOperation>(3 * changed.Count + 2);
        foreach (var change in changed)
        {
            var rule = change.Rule;
            var backends = $"/spec/http/{rule.Index}/backends";
            operations.Add(PatchOperation.Test($"/spec/http/{rule.Index}/name", NameOf(rule)));
            operations.Add(PatchOperation.Test(backends, rule.BackendsJson!.Value));
            operations.Add(PatchOperation.Replace(backends, change.WriteBackends));
        }

        var added = recorded.With(target.Rules, split.Additional.Select(a => a.ServiceName));
        operations.AddRange(AnnotationChange(route, added));
        return new RoutePatch(route.Namespace, route.Name, operations.ToImmutable());
    }

    /// <summary>
    /// The rule's name as the route holds it: the same value a new string element would be, and
    /// already there, so no JSON is built per rule for the guard.
    /// </summary>
    private static JsonElement NameOf(RouteRule rule) =>
        rule.NameJson is { ValueKind: JsonValueKind.String } name ? name : JsonElements.String(rule.Name);

    /// <summary>The rules by name, and the names that more than one rule carries.</summary>
    internal sealed record RuleIndex(Dictionary<string, RouteRule> ByName, HashSet<string> Repeated);

    internal static RuleIndex IndexRules(ApisixRouteSnapshot route)
    {
        var rules = route.Rules();
        var index = new RuleIndex(new Dictionary<string, RouteRule>(rules.Length, StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
        foreach (var rule in rules)
        {
            if (!index.ByName.TryAdd(rule.Name, rule))
            {
                index.Repeated.Add(rule.Name);
            }
        }

        return index;
    }

    /// <summary>
    /// The configured rule, named once in the route, with backends the plugin can weigh: each an
    /// object with a serviceName and an integer weight, no service twice.
    /// </summary>
    internal static RouteRule RequireRule(ApisixRouteSnapshot route, string ruleName, RuleIndex? index = null)
    {
        var found = index is null ? route.FindRule(ruleName) : index.ByName.GetValueOrDefault(ruleName);
        var rule = found ?? throw RouterException.Precondition(
            $"route {route.Key}: no rule named '{ruleName}' in spec.http (rules: {string.Join(", ", route.Rules().Select(r => $"'{r.Name}'"))})");
        if (index is null ? route.CountRulesNamed(ruleName) > 1 : index.Repeated.Contains(ruleName))
        {
            throw RouterException.Precondition(
                $"route {route.Key}: more than one rule in spec.http is named '{ruleName}'; rule names must be unique for the plugin to know which rule to weigh");
        }

        if (!rule.HasBackendsArray)
        {
            throw RouterException.Precondition($"route {route.Key} rule '{ruleName}': spec.http[{rule.Index}].backends is missing");
        }

        if (rule.PriorityProblem() is { } priority)
        {
            throw RouterException.Precondition($"route {route.Key} rule '{ruleName}': spec.http[{rule.Index}].priority {priority}");
        }

        foreach (var backend in rule.Backends)
        {
            if (backend.Problem() is { } problem)
            {
                throw RouterException.Precondition($"route {route.Key} rule '{ruleName}': spec.http[{rule.Index}].backends[{backend.Index}] {problem}");
            }
        }

        if (FirstRepeatedService(rule.Backends) is { } duplicate)
        {
            throw RouterException.Precondition(
                $"route {route.Key} rule '{ruleName}': backends list service '{duplicate}' more than once (APISIX rejects it)");
        }

        return rule;
    }

    /// <summary>
    /// The first listed service that is listed again later, or null. A rule usually has a handful
    /// of backends, for which comparing pairs is cheaper than building a set per rule; a long list
    /// is counted instead, so that the check stays linear in the rule's size.
    /// </summary>
    private static string? FirstRepeatedService(ImmutableArray<RouteBackend> backends)
    {
        if (backends.Length > 8)
        {
            var counts = new Dictionary<string, int>(backends.Length, StringComparer.Ordinal);
            foreach (var backend in backends)
            {
                counts[backend.ServiceName] = counts.GetValueOrDefault(backend.ServiceName) + 1;
            }

            return backends.Select(b => b.ServiceName).FirstOrDefault(s => counts[s] > 1);
        }

        for (var i = 0; i < backends.Length; i++)
        {
            for (var j = i + 1; j < backends.Length; j++)
            {
                if (backends[i].ServiceName == backends[j].ServiceName)
                {
                    return backends[i].ServiceName;
                }
            }
        }

        return null;
    }

    internal static RouteBackend RequireBackend(ApisixRouteSnapshot route, RouteRule rule, string service, string role)
    {
        foreach (var backend in rule.Backends)
        {
            if (backend.ServiceName == service)
            {
                return backend;
            }
        }

        throw RouterException.Precondition(
            $"route {route.Key} rule '{rule.Name}': no backend with serviceName '{service}' (the Rollout's {role} service); backends: {string.Join(", ", rule.Backends.Select(b => $"'{b.ServiceName}'"))}");
    }

    /// <summary>
    /// The record's new value, guarded by the resourceVersion read. Another Rollout may steer other
    /// rules of the same route and update the same record at the same time: a write planned from
    /// an older record would drop its entry, and the experiment backend it names would then stay
    /// in the route for good. A test of the record's text cannot be used, because the API server
    /// compares strings as Go escapes them; the resourceVersion is plain digits.
    /// </summary>
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

        yield return PatchOperation.Test("/metadata/resourceVersion", JsonElements.String(route.ResourceVersion ?? ""));
        if (wanted is null)
        {
            yield return PatchOperation.Remove(path);
        }
        else if (!route.HasAnnotations)
        {
            yield return PatchOperation.Add("/metadata/annotations", JsonElements.ToElement(new JsonObject { [key] = wanted }));
        }
        else
        {
            yield return PatchOperation.Add(path, JsonElements.String(wanted));
        }
    }
}
