using System.Collections.Immutable;
using ApisixPlugin.Core.Errors;

namespace ApisixPlugin.Core.Routes;

/// <summary>
/// What a planner may assume of a route, asked of the route itself: the configured rule exists,
/// is named once, has backends the plugin can weigh; the Rollout's services are among them. Each
/// refusal names the route, rule and field at fault.
/// </summary>
public sealed partial record ApisixRouteSnapshot
{
    /// <summary>The rules by name, and the names that more than one rule carries.</summary>
    public sealed record RuleIndex(Dictionary<string, RouteRule> ByName, HashSet<string> Repeated);

    public RuleIndex IndexRules()
    {
        var rules = Rules();
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
    public RouteRule RequireRule(string ruleName, RuleIndex? index = null)
    {
        var rule = RequireRuleShape(ruleName, index);
        RequireDistinctServices(rule);
        return rule;
    }

    /// <summary>
    /// <see cref="RequireRule"/> short of the distinct-services check: the rule exists, is named
    /// once, and each backend is one the plugin can weigh. <c>check</c> reports the two apart.
    /// </summary>
    public RouteRule RequireRuleShape(string ruleName, RuleIndex? index = null)
    {
        var found = index is null ? FindRule(ruleName) : index.ByName.GetValueOrDefault(ruleName);
        var rule = found ?? throw RouterException.Precondition(
            $"route {Key}: no rule named '{ruleName}' in spec.http (rules: {string.Join(", ", Rules().Select(r => $"'{r.Name}'"))})");
        if (index is null ? CountRulesNamed(ruleName) > 1 : index.Repeated.Contains(ruleName))
        {
            throw RouterException.Precondition(
                $"route {Key}: more than one rule in spec.http is named '{ruleName}'; rule names must be unique for the plugin to know which rule to weigh");
        }

        if (!rule.HasBackendsArray)
        {
            throw RouterException.Precondition($"route {Key} rule '{ruleName}': spec.http[{rule.Index}].backends is missing");
        }

        if (rule.PriorityProblem() is { } priority)
        {
            throw RouterException.Precondition($"route {Key} rule '{ruleName}': spec.http[{rule.Index}].priority {priority}");
        }

        foreach (var backend in rule.Backends)
        {
            if (backend.Problem() is { } problem)
            {
                throw RouterException.Precondition($"route {Key} rule '{ruleName}': spec.http[{rule.Index}].backends[{backend.Index}] {problem}");
            }
        }

        return rule;
    }

    /// <summary>No service listed twice in the rule's backends (APISIX rejects such a route).</summary>
    public void RequireDistinctServices(RouteRule rule)
    {
        if (FirstRepeatedService(rule.Backends) is { } duplicate)
        {
            throw RouterException.Precondition(
                $"route {Key} rule '{rule.Name}': backends list service '{duplicate}' more than once (APISIX rejects it)");
        }
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

    /// <summary>The backend of <paramref name="rule"/> for <paramref name="service"/> (the Rollout's <paramref name="role"/> service).</summary>
    public RouteBackend RequireBackend(RouteRule rule, string service, string role)
    {
        foreach (var backend in rule.Backends)
        {
            if (backend.ServiceName == service)
            {
                return backend;
            }
        }

        throw RouterException.Precondition(
            $"route {Key} rule '{rule.Name}': no backend with serviceName '{service}' (the Rollout's {role} service); backends: {string.Join(", ", rule.Backends.Select(b => $"'{b.ServiceName}'"))}");
    }
}
