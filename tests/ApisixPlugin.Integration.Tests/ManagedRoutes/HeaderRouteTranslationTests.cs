using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;
using static ApisixPlugin.Integration.Tests.ManagedRoutes.ManagedRouteScenario;

namespace ApisixPlugin.Integration.Tests.ManagedRoutes;

/// <summary>How setHeaderRoute steps land in the managed ApisixRoute, each accepted by the real CRD schema.</summary>
[Collection("sidecar")]
public sealed class HeaderRouteTranslationTests(SidecarClusterFixture fx)
{
    private TrafficRouter.TrafficRouterClient Client => fx.Sidecar.Client;

    [Fact]
    public async Task An_edit_of_the_source_rule_reaches_the_managed_route_and_an_unchanged_call_writes_nothing()
    {
        var ns = await fx.PluginNamespaceAsync("source-edit");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, HeaderRoute);
        var step = Header(rollout, HeaderRoute, ("trace", Exact("debug")));
        await Client.SetHeaderRouteAsync(step);

        // Someone adds a path and a plugin to the source rule between two steps.
        var plugin = new JsonObject { ["name"] = "cors", ["enable"] = true, ["config"] = new JsonObject { ["allow_origins"] = "https://demo.example" } };
        await fx.ApisixRoutes.JsonPatchAsync(ns, Route, new JsonArray(
            new JsonObject { ["op"] = "add", ["path"] = "/spec/http/0/match/paths/-", ["value"] = "/v2/*" },
            new JsonObject { ["op"] = "add", ["path"] = "/spec/http/0/plugins", ["value"] = new JsonArray(plugin.DeepClone()) }));

        await Client.SetHeaderRouteAsync(step);

        var second = await fx.ApisixRoutes.GetAsync(ns, HeaderRoute);
        var rule = RuleNamed(second, $"{HeaderRoute}-{Rule}");
        Assert.Equal(["/*", "/v2/*"], Strings(rule["match"]!["paths"]));
        Assert.Equal(Json(new JsonArray(plugin)), Json(rule["plugins"]));
        Assert.Equal(Json(new JsonArray(SourceExpr(), Expr("Header", "trace", "Equal", "debug"))), Json(rule["match"]!["exprs"]));

        await Client.SetHeaderRouteAsync(step);

        Assert.Equal(ResourceVersion(second), ResourceVersion(await fx.ApisixRoutes.GetAsync(ns, HeaderRoute)));
    }

    [Fact]
    public async Task The_first_route_listed_in_managedRoutes_gets_the_higher_priority()
    {
        var ns = await fx.PluginNamespaceAsync("precedence");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, "canary-beta", "canary-debug");
        await Client.SetHeaderRouteAsync(Header(rollout, "canary-debug", ("trace", Exact("debug"))));
        await Client.SetHeaderRouteAsync(Header(rollout, "canary-beta", ("x-beta", Exact("yes"))));

        var beta = Priority(Assert.Single(Rules(await fx.ApisixRoutes.GetAsync(ns, "canary-beta")))!.AsObject());
        var debug = Priority(Assert.Single(Rules(await fx.ApisixRoutes.GetAsync(ns, "canary-debug")))!.AsObject());
        Assert.True(beta > debug, $"canary-beta (listed first) has priority {beta}, canary-debug {debug}");
        Assert.True(debug > SourcePriority, $"canary-debug priority {debug} is not above the source rule's {SourcePriority}");

        // The list is re-ordered in the Rollout: the next steps follow it.
        rollout.ManagedRoutes.Clear();
        rollout.ManagedRoutes.AddRange(["canary-debug", "canary-beta"]);
        await Client.SetHeaderRouteAsync(Header(rollout, "canary-debug", ("trace", Exact("debug"))));
        await Client.SetHeaderRouteAsync(Header(rollout, "canary-beta", ("x-beta", Exact("yes"))));

        beta = Priority(Assert.Single(Rules(await fx.ApisixRoutes.GetAsync(ns, "canary-beta")))!.AsObject());
        debug = Priority(Assert.Single(Rules(await fx.ApisixRoutes.GetAsync(ns, "canary-debug")))!.AsObject());
        Assert.True(debug > beta, $"canary-debug (now listed first) has priority {debug}, canary-beta {beta}");
        Assert.True(beta > SourcePriority, $"canary-beta priority {beta} is not above the source rule's {SourcePriority}");
    }

    [Fact]
    public async Task Several_match_entries_are_alternatives_one_uniquely_named_rule_each()
    {
        var ns = await fx.PluginNamespaceAsync("or");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute("api"));
        var rollout = Rollout(ns, Config(Rule, "api"), HeaderRoute);

        await Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute, ("trace", Exact("debug")), ("x-canary", Regex("^(yes|true)$"))));

        var managed = await fx.ApisixRoutes.GetAsync(ns, HeaderRoute);
        var names = Rules(managed).Select(r => r!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(4, names.Count);
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());

        // Each source rule once per alternative: its own exprs, then exactly that one header condition.
        foreach (var (source, ownExprs, paths) in new[] { (Rule, new JsonArray(SourceExpr()), "/*"), ("api", new JsonArray(), "/api/*") })
        {
            var copies = Rules(managed).Where(r => Strings(r!["match"]!["paths"]).SequenceEqual([paths])).Select(r => r!.AsObject()).ToList();
            Assert.Equal(2, copies.Count);
            var conditions = copies.Select(c => Json(c["match"]!["exprs"])).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(
                new[]
                {
                    Json(new JsonArray([.. ownExprs.Select(e => e!.DeepClone()), Expr("Header", "trace", "Equal", "debug")])),
                    Json(new JsonArray([.. ownExprs.Select(e => e!.DeepClone()), Expr("Header", "x-canary", "RegexMatch", "^(yes|true)$")])),
                }.Order(StringComparer.Ordinal),
                conditions);
            Assert.All(copies, c => Assert.Equal(Canary, Assert.Single(c["backends"]!.AsArray())!["serviceName"]!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task A_prefix_with_regex_metacharacters_is_matched_literally()
    {
        var ns = await fx.PluginNamespaceAsync("prefix");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, HeaderRoute);

        await Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute, ("x-version", Prefix("v1.2+(beta)"))));

        var rule = Assert.Single(Rules(await fx.ApisixRoutes.GetAsync(ns, HeaderRoute)))!;
        Assert.Equal(
            Json(new JsonArray(SourceExpr(), Expr("Header", "x-version", "RegexMatch", @"^v1\.2\+\(beta\)"))),
            Json(rule["match"]!["exprs"]));
    }

    [Fact]
    public async Task An_empty_match_deletes_the_rollouts_header_route_and_a_repeat_is_harmless()
    {
        var ns = await fx.PluginNamespaceAsync("clear");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, HeaderRoute);
        await Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute, ("trace", Exact("debug"))));
        Assert.NotNull(await fx.TryGetAsync(ns, HeaderRoute));

        await Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute));
        Assert.Null(await fx.TryGetAsync(ns, HeaderRoute));

        await Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute));
        Assert.Equal([Route], (await fx.SnapshotAsync(ns)).Keys);
    }
}
