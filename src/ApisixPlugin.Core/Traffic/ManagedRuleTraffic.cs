using System.Collections.Immutable;
using System.Text.Json;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Traffic;

/// <summary>
/// A source rule with the managed rules the plugin put over it. A managed route's copy of a rule
/// is named after the managed route and the rule ("m-rule", "m-route-rule" when the Rollout names
/// several routes, with "-N" per match entry), keeps the rule's paths and hosts, adds its
/// conditions after the rule's own exprs, and has a higher priority: APISIX gives a request that
/// meets them to the copy (router-radixtree: among routes of one URI, the higher priority first).
/// </summary>
public static class ManagedRuleTraffic
{
    public static RuleTraffic For(ApisixRouteSnapshot route, RouteRule rule, IEnumerable<ApisixRouteSnapshot> routes,
        ServiceRoles roles, KnownServices services, ControllerGeneration generation)
    {
        var source = EffectiveSplit.ForRule(route, rule, roles, services, generation);
        var managed = new List<(ManagedRuleSplit Split, int Order)>();
        foreach (var candidate in routes)
        {
            if (candidate.Namespace != route.Namespace || !ManagedRouteOwnership.IsManagedByPlugin(candidate))
            {
                continue;
            }

            foreach (var copy in candidate.Rules())
            {
                if (IsCopyOf(copy.Name, candidate.Name, route, rule))
                {
                    managed.Add((Describe(candidate, copy, route, rule, roles, services, generation), managed.Count));
                }
            }
        }

        return new RuleTraffic(source, [.. managed.OrderByDescending(m => m.Split.Split.Priority).ThenBy(m => m.Order).Select(m => m.Split)]);
    }

    /// <summary>
    /// Whether <paramref name="copyName"/> is a copy of <paramref name="rule"/>: "m-rule" or
    /// "m-route-rule", then "-N" for a match entry, unless the source has a rule that is named
    /// like the rest itself (then it is that rule's copy).
    /// </summary>
    public static bool IsCopyOf(string copyName, string managedRoute, ApisixRouteSnapshot route, RouteRule rule)
    {
        string[] prefixes = [.. UnnumberedNames(managedRoute, route, rule.Name)];
        if (prefixes.Contains(copyName))
        {
            return true;
        }

        if (!prefixes.Any(p => copyName.Length > p.Length + 1 && copyName.StartsWith(p + "-", StringComparison.Ordinal) && copyName[(p.Length + 1)..].All(char.IsAsciiDigit)))
        {
            return false;
        }

        // "m-a-0" is match 0 of rule "a", unless the route has a rule "a-0" whose only copy it is.
        return !route.Rules().Any(other => other.Name != rule.Name && UnnumberedNames(managedRoute, route, other.Name).Contains(copyName));
    }

    /// <summary>The names <see cref="RuleCopies"/> gives a copy of <paramref name="rule"/> without a match number, for one source route and for several.</summary>
    private static IEnumerable<string> UnnumberedNames(string managedRoute, ApisixRouteSnapshot route, string rule) =>
        [RuleCopies.RuleName(managedRoute, route.Name, rule, severalRoutes: false, matchIndex: null),
         RuleCopies.RuleName(managedRoute, route.Name, rule, severalRoutes: true, matchIndex: null)];

    private static ManagedRuleSplit Describe(ApisixRouteSnapshot managed, RouteRule copy, ApisixRouteSnapshot route, RouteRule rule,
        ServiceRoles roles, KnownServices services, ControllerGeneration generation)
    {
        var split = EffectiveSplit.ForRule(managed, copy, roles, services, generation);
        if (copy.Priority <= rule.Priority)
        {
            split = split with
            {
                Notes = split.Notes.Add($"{managed.Key} rule '{copy.Name}' has priority {copy.Priority}, not above the source rule's {rule.Priority}: APISIX may give its requests to either"),
            };
        }

        var kind = managed.Annotation(ApisixRouteConventions.ManagedKindAnnotation) ?? "managed";
        return new ManagedRuleSplit(managed.Key, kind, Condition(copy, rule), split, Mirror(copy, managed.Namespace));
    }

    /// <summary>What the copy asks beyond the source rule: its exprs after the rule's own, and a narrower methods list.</summary>
    public static string Condition(RouteRule copy, RouteRule rule)
    {
        var parts = new List<string>();
        var own = Methods(rule);
        if (Methods(copy) is { } methods && (own is null || !own.SequenceEqual(methods)))
        {
            parts.Add($"method {string.Join("|", methods)}");
        }

        var ownCount = Exprs(rule).Count;
        parts.AddRange(Exprs(copy).Skip(ownCount).Select(DescribeExpr));
        return parts.Count == 0 ? "(no extra condition)" : string.Join(" and ", parts);
    }

    /// <summary>"header trace=debug", "path~^/api", "cookie beta!=1": scope, name, and op as a symbol.</summary>
    public static string DescribeExpr(JsonElement expr)
    {
        var subject = expr.TryGetProperty("subject"u8, out var s) && s.ValueKind == JsonValueKind.Object ? s : default;
        var scope = Text(subject, "scope")?.ToLowerInvariant() ?? "?";
        var name = Text(subject, "name");
        var op = Text(expr, "op") ?? "?";
        var value = expr.TryGetProperty("set"u8, out var set) && set.ValueKind == JsonValueKind.Array
            ? "[" + string.Join(",", set.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText())) + "]"
            : Text(expr, "value") ?? "";
        var symbol = op switch
        {
            "Equal" => "=",
            "NotEqual" => "!=",
            "GreaterThan" => ">",
            "GreaterThanEqual" => ">=",
            "LessThan" => "<",
            "LessThanEqual" => "<=",
            "RegexMatch" => "~",
            "RegexNotMatch" => "!~",
            "RegexMatchCaseInsensitive" => "~*",
            "RegexNotMatchCaseInsensitive" => "!~*",
            "In" => " in ",
            "NotIn" => " not in ",
            _ => $" {op} ",
        };
        var subjectText = scope == "variable" && name == "request_method" ? "method" : name is null ? scope : $"{scope} {name}";
        return $"{subjectText}{symbol}{value}";
    }

    private static MirrorCopy? Mirror(RouteRule copy, string ns)
    {
        if (!copy.Json.TryGetProperty("plugins"u8, out var plugins) || plugins.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var plugin in plugins.EnumerateArray())
        {
            if (Text(plugin, "name") != MirrorRouteBuilder.PluginName
                || (plugin.TryGetProperty("enable"u8, out var enable) && enable.ValueKind != JsonValueKind.True)
                || !plugin.TryGetProperty("config"u8, out var config) || Text(config, "host") is not { } host)
            {
                continue;
            }

            // sample_ratio defaults to 1 in proxy-mirror's schema.
            var ratio = config.TryGetProperty("sample_ratio"u8, out var r) && r.TryGetDecimal(out var value) ? value : 1m;
            return new MirrorCopy(host, ServiceOf(host, ns), Math.Round(ratio * 100m, 1, MidpointRounding.AwayFromZero));
        }

        return null;
    }

    /// <summary>The Service of a "scheme://svc.ns.svc.domain:port" host the plugin writes, else null.</summary>
    private static string? ServiceOf(string host, string ns)
    {
        var authority = host.Contains("://", StringComparison.Ordinal) ? host[(host.IndexOf("://", StringComparison.Ordinal) + 3)..] : host;
        var labels = authority.Split(':')[0].Split('.');
        return labels.Length >= 3 && labels[1] == ns && labels[2] == "svc" ? labels[0] : null;
    }

    private static List<string>? Methods(RouteRule rule) =>
        rule.Json.TryGetProperty("match"u8, out var m) && m.ValueKind == JsonValueKind.Object
        && m.TryGetProperty("methods"u8, out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText())]
            : null;

    private static List<JsonElement> Exprs(RouteRule rule) =>
        rule.Json.TryGetProperty("match"u8, out var m) && m.ValueKind == JsonValueKind.Object
        && m.TryGetProperty("exprs"u8, out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray()]
            : [];

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
