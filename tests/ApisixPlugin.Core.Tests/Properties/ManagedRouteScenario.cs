using System.Collections.Immutable;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Tests.Support;
using CsCheck;

namespace ApisixPlugin.Core.Tests.Properties;

/// <summary>
/// Random source ApisixRoutes, a Rollout that lists some managed routes and configures some rules
/// of those routes, and the match entries of a header step and of a mirror step. The step is for
/// the managed route at <see cref="Listed"/>; <see cref="Edit"/> picks the edit a property makes
/// to a source rule between two plans.
/// </summary>
internal sealed record ManagedRouteScenario(
    ImmutableArray<string> ManagedRoutes,
    int Listed,
    ImmutableArray<string> RouteJsons,
    ImmutableArray<ImmutableArray<string>> Configured,
    ImmutableArray<HeaderMatch> HeaderMatches,
    ImmutableArray<MirrorMatch> MirrorMatches,
    int? Percentage,
    int Edit)
{
    public const string Namespace = "default";
    public const string Stable = "svc-stable";
    public const string Canary = "svc-canary";
    public const string RolloutUid = "5e1f0000-0000-4000-8000-0000000000aa";

    public string StepName => ManagedRoutes[Listed];

    public ImmutableArray<ApisixRouteSnapshot> Routes => [.. RouteJsons.Select(ApisixRouteSnapshot.Parse)];

    public RolloutContext Rollout() =>
        new(Namespace, "prop-rollout", RolloutUid, Canary, Stable, ManagedRoutes, SetWeightCall.PluginName, Config());

    /// <summary>The step for the managed route <paramref name="name"/> (the listed one by default).</summary>
    public ManagedRouteCall Call(bool mirror, string? name = null) =>
        mirror
            ? new ManagedRouteCall(Rollout(), null, new MirrorRouteStep(name ?? StepName, MirrorMatches, Percentage), null)
            : new ManagedRouteCall(Rollout(), new HeaderRouteStep(name ?? StepName, HeaderMatches), null, null);

    public int MatchCount(bool mirror) => mirror ? MirrorMatches.Length : HeaderMatches.Length;

    private string Config() =>
        new JsonObject
        {
            ["routes"] = new JsonArray([.. Configured.Select((rules, i) => (JsonNode)new JsonObject
            {
                ["name"] = ManagedRouteScenarioGen.RouteName(i),
                ["rules"] = new JsonArray([.. rules.Select(r => (JsonNode)r)]),
            })]),
        }.ToJsonString();

    public override string ToString() =>
        $"managedRoutes=[{string.Join(",", ManagedRoutes)}] step={StepName} percentage={Percentage?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} edit={Edit}\n"
        + $"configured: {string.Join(" | ", Configured.Select(c => string.Join(",", c)))}\n"
        + $"header: {string.Join(" OR ", HeaderMatches.Select(m => $"{m.HeaderName} {Show(m.Value)}"))}\n"
        + $"mirror: {string.Join(" OR ", MirrorMatches.Select(Show))}\n"
        + string.Join("\n", RouteJsons);

    private static string Show(StringMatch? m) =>
        m is null ? "-" : m.Exact is not null ? $"={m.Exact}" : m.Prefix is not null ? $"^{m.Prefix}" : $"~{m.Regex}";

    private static string Show(MirrorMatch m) =>
        $"[method {Show(m.Method)} path {Show(m.Path)} {string.Join(" ", m.Headers.Select(h => $"{h.Key} {Show(h.Value)}"))}]";
}

/// <summary>
/// Generators for <see cref="ManagedRouteScenario"/>: rules with random priorities (or none),
/// hosts, methods, exprs of their own, plugins (one a proxy-mirror of their own), upstreams, and
/// stable, canary and foreign backends in random order; match values with characters that need
/// escaping in a regex, in JSON, or by Go's encoder (&amp;, &lt;, &gt;).
/// </summary>
internal static class ManagedRouteScenarioGen
{
    private static readonly string[] ManagedRoutePool = ["set-header", "mirror-route", "canary-debug"];

    private static readonly JsonObject[] OwnExprs =
    [
        Expr("Header", "x-tenant", "Equal", "acme"),
        Expr("Query", "beta", "Equal", "a&b<c>"),
        Expr("Cookie", "session", "RegexMatch", "^s-"),
    ];

    private static readonly string[] Methods = ["GET", "POST", "PUT"];

    public static string RouteName(int index) => $"prop-route-{index}";

    private static JsonObject Expr(string scope, string name, string op, string value) =>
        new() { ["subject"] = new JsonObject { ["scope"] = scope, ["name"] = name }, ["op"] = op, ["value"] = value };

    private static Gen<StringMatch> Values(string[] exact, string[] prefix, string[] regex) =>
        Gen.OneOf(
            Gen.OneOf(exact).Select(v => new StringMatch(Exact: v)),
            Gen.OneOf(prefix).Select(v => new StringMatch(Prefix: v)),
            Gen.OneOf(regex).Select(v => new StringMatch(Regex: v)));

    private static readonly Gen<StringMatch> HeaderValues =
        Values(["debug", "a&b", "<beta>", "caf\u00e9"], ["v1.2", "[x]", "a+b"], ["^(true|yes)$", "canary-[0-9]+", "a&b|<c>"]);

    private static readonly Gen<StringMatch> PathValues =
        Values(["/healthz", "/a&b"], ["/", "/api", "/v1.2/"], ["^/api/v[0-9]+/", "\\.json$"]);

    private static readonly Gen<HeaderMatch> HeaderMatchGen =
        from name in Gen.OneOf("trace", "x-canary", "X-Version_2", "user-agent")
        from value in HeaderValues
        select new HeaderMatch(name, value);

    /// <summary>0: no method condition; 1: exact (a methods list); 2: regex, 3: prefix (a request_method expr).</summary>
    private static readonly Gen<MirrorMatch> MirrorMatchGen =
        from methodKind in Gen.Int[0, 3]
        from method in Gen.OneOf("GET", "POST", "PUT", "DELETE", "get")
        from hasPath in Gen.Bool
        from path in PathValues
        from headerCount in Gen.Int[0, 2]
        from headers in HeaderMatchGen.Array[2]
        select new MirrorMatch(
            methodKind switch
            {
                0 => null,
                1 => new StringMatch(Exact: method),
                2 => new StringMatch(Regex: "^(GET|HEAD)$"),
                _ => new StringMatch(Prefix: "P"),
            },
            hasPath ? path : null,
            headers.Take(headerCount).GroupBy(h => h.HeaderName, StringComparer.Ordinal)
                .ToImmutableSortedDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal));

    private static Gen<JsonObject> Rule(int route, int index) =>
        from priority in Gen.Int[-1, 10]
        from hosts in Gen.Int[0, 2]
        from methodMask in Gen.Int[0, 7]
        from exprMask in Gen.Int[0, 7]
        from order in Gen.Shuffle(new[] { ManagedRouteScenario.Stable, ManagedRouteScenario.Canary, $"legacy-{route}-{index}" })
        from foreign in Gen.Bool
        from weights in Gen.Int[-1, 100].Array[3]
        from canaryPort in Gen.Int[1, 65535]
        from upstreams in Gen.Int[0, 4]
        from plugins in Gen.Int[0, 3]
        select RuleJson(route, index, priority, hosts, methodMask, exprMask, order, foreign, weights, canaryPort, upstreams == 0, plugins);

    private static JsonObject RuleJson(int route, int index, int priority, int hosts, int methodMask, int exprMask,
        string[] order, bool foreign, int[] weights, int canaryPort, bool upstreams, int plugins)
    {
        var match = new JsonObject();
        if (hosts > 0)
        {
            match["hosts"] = new JsonArray([.. Enumerable.Range(0, hosts).Select(h => (JsonNode)$"h{h}.example")]);
        }

        match["paths"] = new JsonArray($"/{route}/{index}/*");
        if (methodMask != 0)
        {
            match["methods"] = new JsonArray([.. Methods.Where((_, i) => (methodMask & (1 << i)) != 0).Select(m => (JsonNode)m)]);
        }

        if (exprMask != 0)
        {
            match["exprs"] = new JsonArray([.. OwnExprs.Where((_, i) => (exprMask & (1 << i)) != 0).Select(e => e.DeepClone())]);
        }

        var backends = new JsonArray();
        foreach (var (service, i) in order.Select((s, i) => (s, i)))
        {
            if (service.StartsWith("legacy-", StringComparison.Ordinal) && !foreign)
            {
                continue;
            }

            var backend = new JsonObject { ["serviceName"] = service, ["servicePort"] = service == ManagedRouteScenario.Canary ? canaryPort : 80 };
            if (weights[i] >= 0)
            {
                backend["weight"] = weights[i];
            }

            backends.Add((JsonNode)backend);
        }

        var rule = new JsonObject { ["name"] = $"rule-{index}" };
        if (priority >= 0)
        {
            rule["priority"] = priority;
        }

        rule["match"] = match;
        rule["backends"] = backends;
        if (upstreams)
        {
            rule["upstreams"] = new JsonArray(new JsonObject { ["name"] = "external", ["weight"] = 10 });
        }

        if (plugins != 0)
        {
            var list = new JsonArray();
            if ((plugins & 1) != 0)
            {
                list.Add((JsonNode)new JsonObject { ["name"] = "cors", ["enable"] = true });
            }

            if ((plugins & 2) != 0)
            {
                list.Add((JsonNode)new JsonObject { ["name"] = "proxy-mirror", ["enable"] = true, ["config"] = new JsonObject { ["host"] = "http://shadow.example:80" } });
            }

            rule["plugins"] = list;
        }

        return rule;
    }

    private static Gen<JsonObject[]> Rules(int route, int count) =>
        Enumerable.Range(0, count).Aggregate(
            Gen.Const(Array.Empty<JsonObject>()),
            (acc, i) => acc.SelectMany(list => Rule(route, i).Select(rule => list.Append(rule).ToArray())));

    /// <summary>A route and the rules of it the Rollout configures, in the configuration's order.</summary>
    private static Gen<(string Json, ImmutableArray<string> Configured)> Route(int index, bool ingressClass) =>
        from count in Gen.Int[1, 3]
        from rules in Rules(index, count)
        from mask in Gen.Int[1, (1 << count) - 1]
        from order in Gen.Shuffle(Enumerable.Range(0, count).ToArray())
        select (RouteJson(index, rules, ingressClass), order.Where(i => (mask & (1 << i)) != 0).Select(i => $"rule-{i}").ToImmutableArray());

    private static string RouteJson(int index, JsonObject[] rules, bool ingressClass)
    {
        var spec = new JsonObject();
        if (ingressClass)
        {
            spec["ingressClassName"] = "apisix";
        }

        spec["http"] = new JsonArray([.. rules.Select(r => (JsonNode)r)]);
        return new JsonObject
        {
            ["apiVersion"] = ApisixRouteConventions.ApiVersion,
            ["kind"] = ApisixRouteConventions.Kind,
            ["metadata"] = new JsonObject
            {
                ["name"] = RouteName(index),
                ["namespace"] = ManagedRouteScenario.Namespace,
                ["uid"] = $"00000000-0000-4000-8000-00000000be{index:x2}",
                ["resourceVersion"] = "42",
                ["generation"] = 7,
                ["labels"] = new JsonObject { ["argocd.argoproj.io/instance"] = "shop" },
            },
            ["spec"] = spec,
        }.ToJsonString();
    }

    public static readonly Gen<ManagedRouteScenario> Scenarios =
        from managedCount in Gen.Int[1, ManagedRoutePool.Length]
        from managedOrder in Gen.Shuffle(ManagedRoutePool)
        from listed in Gen.Int[0, managedCount - 1]
        from ingressClass in Gen.Bool
        from routeCount in Gen.Int[1, 2]
        from first in Route(0, ingressClass)
        from second in Route(1, ingressClass)
        from headerMatches in HeaderMatchGen.Array[1, 3]
        from mirrorMatches in MirrorMatchGen.Array[1, 3]
        from deleteOnly in Gen.Int[0, 7]
        from percentage in Gen.OneOf(Gen.Const((int?)null), Gen.Int[1, 100].Select(p => (int?)p))
        from edit in Gen.Int[0, 1 << 20]
        select new ManagedRouteScenario(
            [.. managedOrder.Take(managedCount)],
            listed,
            [.. new[] { first, second }.Take(routeCount).Select(r => r.Json)],
            [.. new[] { first, second }.Take(routeCount).Select(r => r.Configured)],
            [.. headerMatches],
            // One time in eight every entry asks for DELETE, which no methods list here takes: often no copy at all.
            [.. mirrorMatches.Select(m => deleteOnly == 0 ? m with { Method = new StringMatch(Exact: "DELETE") } : m)],
            percentage,
            edit);
}
