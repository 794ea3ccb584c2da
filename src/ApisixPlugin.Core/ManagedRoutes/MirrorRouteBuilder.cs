using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Weights;

namespace ApisixPlugin.Core.ManagedRoutes;

/// <summary>
/// A setMirrorRoute step as a managed ApisixRoute: each configured rule copied with its backends
/// and weights (the live split keeps serving the requests), restricted to the step's match, plus
/// APISIX's proxy-mirror plugin sending a copy of the requests to the canary Service.
/// </summary>
public static class MirrorRouteBuilder
{
    public const string Kind = "mirror";

    public const string PluginName = "proxy-mirror";

    private static readonly string[] HttpMethods = ["CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"];

    /// <summary>APISIX's sample_ratio for a step percentage; null when nothing is to be mirrored (0 %).</summary>
    public static double? SampleRatio(MirrorRouteStep step)
    {
        var percentage = step.Percentage ?? 100;
        if (percentage is < 0 or > 100)
        {
            throw RouterException.Invalid($"setMirrorRoute '{step.Name}': percentage {percentage} is outside 0..100");
        }

        // APISIX rejects sample_ratio 0, so 0 % means no mirror route at all.
        return percentage == 0 ? null : percentage / 100.0;
    }

    public static JsonElement Build(RolloutContext rollout, string ns, ImmutableArray<ManagedRouteSource> sources, MirrorRouteStep step, string clusterDomain)
    {
        var at = $"setMirrorRoute '{step.Name}'";
        var ratio = SampleRatio(step) ?? throw RouterException.Invalid($"{at}: percentage 0 mirrors nothing; the route is removed instead");
        var boost = RuleCopies.PriorityBoost(rollout, step.Name, "setMirrorRoute");
        var (canaryService, _) = rollout.EffectiveServices();
        var rules = new JsonArray();
        var added = AddedBackends.None;
        foreach (var (source, rule) in RuleCopies.ConfiguredRules(sources))
        {
            var canary = source.Route.RequireBackend(rule, canaryService, "canary");
            var experiments = AddedBackends.Read(source.Route).For(rule.Name);
            var mirror = MirrorPlugin(source.Route, rule, canary, canaryService, clusterDomain, ratio);
            for (var i = 0; i < step.Matches.Length; i++)
            {
                var match = step.Matches[i];
                var methods = Methods(rule, match.Method, $"{at} match[{i}].method");
                if (methods is { Count: 0 })
                {
                    continue; // The source rule never takes this method: a copy would widen it.
                }

                var name = RuleCopies.RuleName(step.Name, source, rule, sources.Length > 1, step.Matches.Length > 1 ? i : null);
                var backends = new JsonArray([.. rule.Backends.Select(b => JsonElements.ToNode(b.Json))]);
                var copy = RuleCopies.Copy(rule, name, RuleCopies.CopyPriority(source.Route, rule, boost), backends, Conditions(match, $"{at} match[{i}]"));
                if (methods is not null)
                {
                    copy["match"]!["methods"] = new JsonArray([.. methods.Select(m => (JsonNode)JsonValue.Create(m))]);
                }

                var plugins = copy["plugins"] as JsonArray ?? [];
                foreach (var old in plugins.Where(p => p?["name"]?.GetValue<string>() == PluginName).ToList())
                {
                    plugins.Remove(old);
                }

                plugins.Add(JsonElements.ToNode(mirror));
                copy["plugins"] = plugins;
                rules.Add((JsonNode)copy);
                added = added.With(name, experiments);
            }
        }

        if (rules.Count == 0)
        {
            throw RouterException.Invalid($"{at}: no configured rule accepts the methods the match asks for");
        }

        return RuleCopies.Route(rollout, ns, step.Name, Kind, sources, rules, added);
    }

    /// <summary>The proxy-mirror host is the canary Service's cluster DNS name: short names failed in older APISIX.</summary>
    private static JsonElement MirrorPlugin(ApisixRouteSnapshot route, RouteRule rule, RouteBackend canary, string canaryService, string clusterDomain, double ratio)
    {
        if (canary.PortNumber is not { } port)
        {
            throw RouterException.Precondition(
                $"route {route.Key} rule '{rule.Name}': the canary backend's servicePort is {canary.ServicePort?.GetRawText() ?? "missing"}; proxy-mirror needs a port number from 1 to 65535");
        }

        return JsonElements.ToElement(new JsonObject
        {
            ["name"] = PluginName,
            ["enable"] = true,
            ["config"] = new JsonObject
            {
                ["host"] = $"http://{canaryService}.{route.Namespace}.svc.{clusterDomain}:{port.ToString(CultureInfo.InvariantCulture)}",
                ["sample_ratio"] = ratio,
            },
        });
    }

    /// <summary>
    /// An exact method becomes the copy's methods list, ANDed with the source's own list (null
    /// when the step does not restrict methods, empty when the two never meet). Prefix and regex
    /// methods become a request_method expression instead.
    /// </summary>
    private static List<string>? Methods(RouteRule rule, StringMatch? method, string at)
    {
        if (method?.Exact is not { } exact)
        {
            return null;
        }

        var verb = exact.ToUpperInvariant();
        if (!HttpMethods.Contains(verb))
        {
            throw RouterException.Invalid($"{at}: '{exact}' is not an HTTP method APISIX routes on ({string.Join(", ", HttpMethods)})");
        }

        var own = rule.Json.TryGetProperty("match", out var m) && m.TryGetProperty("methods", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(v => v.GetString()).ToList()
            : null;
        return own is null || own.Contains(verb) ? [verb] : [];
    }

    /// <summary>Path and header conditions as exprs, so they AND with the source rule's own paths.</summary>
    private static IEnumerable<JsonObject> Conditions(MirrorMatch match, string at)
    {
        if (match.Method is { Exact: null } method)
        {
            yield return MatchExpressions.For("Variable", "request_method", method, $"{at}.method");
        }

        if (match.Path is { } path)
        {
            yield return MatchExpressions.For("Path", null, path, $"{at}.path");
        }

        foreach (var (header, value) in match.Headers)
        {
            MatchExpressions.RequireHeaderName(header, $"{at}.headers");
            yield return MatchExpressions.For("Header", header, value, $"{at}.headers[{header}]");
        }
    }
}
