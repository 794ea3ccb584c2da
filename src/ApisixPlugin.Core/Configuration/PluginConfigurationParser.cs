using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using ApisixPlugin.Core.Errors;

namespace ApisixPlugin.Core.Configuration;

/// <summary>
/// Reads the plugin block of a Rollout. Two shapes are accepted: the built-in router's
/// <c>{route: {name, rules}}</c>, so that migrating is moving the block, and <c>{routes: [...]}</c>
/// for several ApisixRoutes; <c>routeSelector</c> adds (or alone gives) the routes whose labels
/// match. Rules of a named route default to the rule named like the route, as the built-in does.
/// Everything is checked before any write, and an unknown field is an error: a typo must not
/// silently fall back to a default.
/// </summary>
public static partial class PluginConfigurationParser
{
    private static readonly string[] RootFields = ["route", "routes", "routeSelector", "clusterDomain"];
    private static readonly string[] RouteFields = ["name", "namespace", "rules"];
    private static readonly string[] SelectorFields = ["matchLabels", "matchExpressions", "namespace", "rules"];
    private static readonly string[] ExpressionFields = ["key", "operator", "values"];

    public static PluginConfiguration Parse(string pluginName, string json, string rolloutNamespace)
    {
        var at = $"plugins.{pluginName}";
        if (string.IsNullOrWhiteSpace(json))
        {
            throw RouterException.Invalid(
                $"{at}: the Rollout has no configuration for this plugin; add a 'route', 'routes' or 'routeSelector' block under trafficRouting.plugins.\"{pluginName}\"");
        }

        using var document = ParseJson(at, json);
        var root = document.RootElement;
        RequireObject(at, root);
        RejectUnknownFields(at, root, RootFields);

        var hasRoute = root.TryGetProperty("route", out var single);
        var hasRoutes = root.TryGetProperty("routes", out var many);
        var hasSelector = root.TryGetProperty("routeSelector", out var selectorElement);
        if (hasRoute && hasRoutes)
        {
            throw RouterException.Invalid($"{at}: set one of 'route' (one ApisixRoute) or 'routes' (a list), not both");
        }

        if (!hasRoute && !hasRoutes && !hasSelector)
        {
            throw RouterException.Invalid($"{at}: set 'route' (one ApisixRoute), 'routes' (a list) or 'routeSelector' (routes by label)");
        }

        ImmutableArray<RouteTarget> targets = hasRoute
            ? [ParseRoute($"{at}.route", single, rolloutNamespace)]
            : hasRoutes ? ParseRouteList($"{at}.routes", many, rolloutNamespace) : [];
        var selector = hasSelector ? ParseSelector($"{at}.routeSelector", selectorElement, rolloutNamespace) : null;

        var clusterDomain = PluginConfiguration.DefaultClusterDomain;
        if (root.TryGetProperty("clusterDomain", out var domain))
        {
            clusterDomain = RequireString($"{at}.clusterDomain", domain);
            if (!DnsSubdomain().IsMatch(clusterDomain))
            {
                throw RouterException.Invalid($"{at}.clusterDomain: '{clusterDomain}' is not a DNS domain");
            }
        }

        return new PluginConfiguration(targets, clusterDomain, selector);
    }

    private static ImmutableArray<RouteTarget> ParseRouteList(string at, JsonElement list, string rolloutNamespace)
    {
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            throw RouterException.Invalid($"{at}: must be a non-empty list of routes");
        }

        var targets = ImmutableArray.CreateBuilder<RouteTarget>();
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            var target = ParseRoute($"{at}[{index++}]", item, rolloutNamespace);
            if (targets.Any(t => t.Key == target.Key))
            {
                throw RouterException.Invalid($"{at}: route {target.Key} is listed twice");
            }

            targets.Add(target);
        }

        return targets.ToImmutable();
    }

    private static RouteTarget ParseRoute(string at, JsonElement route, string rolloutNamespace)
    {
        RequireObject(at, route);
        RejectUnknownFields(at, route, RouteFields);

        if (!route.TryGetProperty("name", out var nameElement))
        {
            throw RouterException.Invalid($"{at}.name: required (the ApisixRoute's metadata.name)");
        }

        var name = RequireString($"{at}.name", nameElement);
        if (!DnsSubdomain().IsMatch(name))
        {
            throw RouterException.Invalid($"{at}.name: '{name}' is not a valid ApisixRoute name");
        }

        var ns = rolloutNamespace;
        if (route.TryGetProperty("namespace", out var nsElement))
        {
            ns = RequireString($"{at}.namespace", nsElement);
            if (!DnsLabel().IsMatch(ns))
            {
                throw RouterException.Invalid($"{at}.namespace: '{ns}' is not a valid namespace name");
            }
        }

        var rules = route.TryGetProperty("rules", out var rulesElement)
            ? ParseRules($"{at}.rules", rulesElement)
            : [];

        // The built-in router's default: the rule named like the route.
        return new RouteTarget(ns, name, rules.IsEmpty ? [name] : rules);
    }

    private static ImmutableArray<string> ParseRules(string at, JsonElement rules)
    {
        if (rules.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (rules.ValueKind != JsonValueKind.Array)
        {
            throw RouterException.Invalid($"{at}: must be a list of rule names");
        }

        var names = ImmutableArray.CreateBuilder<string>();
        var index = 0;
        foreach (var item in rules.EnumerateArray())
        {
            var rule = RequireString($"{at}[{index++}]", item);
            if (names.Contains(rule))
            {
                throw RouterException.Invalid($"{at}: rule '{rule}' is listed twice");
            }

            names.Add(rule);
        }

        return names.ToImmutable();
    }

    private static JsonDocument ParseJson(string at, string json)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw RouterException.Invalid($"{at}: not valid JSON ({e.Message})");
        }
    }

    private static void RequireObject(string at, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw RouterException.Invalid($"{at}: must be an object, not {Describe(element)}");
        }
    }

    private static string RequireString(string at, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(element.GetString()))
        {
            throw RouterException.Invalid($"{at}: must be a non-empty string, not {Describe(element)}");
        }

        return element.GetString()!;
    }

    private static void RejectUnknownFields(string at, JsonElement element, string[] known)
    {
        var unknown = element.EnumerateObject().Select(p => p.Name).Where(n => !known.Contains(n)).ToList();
        if (unknown.Count > 0)
        {
            throw RouterException.Invalid(
                $"{at}: unknown field(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))}; known: {string.Join(", ", known)}");
        }
    }

    private static string Describe(JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? $"\"{element.GetString()}\"" : element.ValueKind.ToString().ToLowerInvariant();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\z")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\z")]
    private static partial Regex DnsLabel();

}
