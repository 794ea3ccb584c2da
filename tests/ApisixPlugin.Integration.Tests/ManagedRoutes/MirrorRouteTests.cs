using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;
using static ApisixPlugin.Integration.Tests.ManagedRoutes.ManagedRouteScenario;

namespace ApisixPlugin.Integration.Tests.ManagedRoutes;

/// <summary>setMirrorRoute steps as managed ApisixRoutes with APISIX's proxy-mirror plugin, on the real CRD.</summary>
[Collection("sidecar")]
public sealed class MirrorRouteTests(SidecarClusterFixture fx)
{
    private TrafficRouter.TrafficRouterClient Client => fx.Sidecar.Client;

    [Theory]
    [InlineData(1, 0.01)]
    [InlineData(50, 0.5)]
    [InlineData(100, 1.0)]
    [InlineData(null, 1.0)]
    public async Task The_percentage_becomes_sample_ratio_towards_the_canary_service(int? percentage, double ratio)
    {
        var ns = await fx.PluginNamespaceAsync("mirror-ratio");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, MirrorRoute);
        await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 10 });

        await Client.SetMirrorRouteAsync(Mirror(rollout, MirrorRoute, percentage, new RouteMatch { Path = Prefix("/api") }));

        var managed = await fx.ApisixRoutes.GetAsync(ns, MirrorRoute);
        Assert.Equal(IngressClass, managed["spec"]!["ingressClassName"]!.GetValue<string>());
        Assert.Equal("apisix-plugin", managed["metadata"]!["labels"]![ManagedByLabel]!.GetValue<string>());
        Assert.Equal(rollout.Uid, Assert.Single(managed["metadata"]!["ownerReferences"]!.AsArray())!["uid"]!.GetValue<string>());

        var rule = Assert.Single(Rules(managed))!.AsObject();
        var plugin = MirrorPlugin(rule) ?? throw new Xunit.Sdk.XunitException($"no proxy-mirror plugin: {Json(rule)}");
        Assert.True(plugin["enable"]!.GetValue<bool>());
        Assert.Equal(CanaryHost(ns), plugin["config"]!["host"]!.GetValue<string>());
        Assert.Equal(ratio, plugin["config"]!["sample_ratio"]!.GetValue<double>(), 6);

        // The mirror route serves its requests with the live split, and only those the source takes.
        Assert.Equal(new Dictionary<string, int> { [Stable] = 90, [Canary] = 10 }, WeightsOf(managed, rule["name"]!.GetValue<string>()));
        Assert.True(Priority(rule) > SourcePriority, $"priority {Priority(rule)}");
        Assert.Equal(["/*"], Strings(rule["match"]!["paths"]));
        Assert.Equal(["rollouts-demo.apisix.local"], Strings(rule["match"]!["hosts"]));
    }

    [Fact]
    public async Task Percentage_0_creates_no_route_and_removes_an_existing_one()
    {
        var ns = await fx.PluginNamespaceAsync("mirror-zero");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, MirrorRoute);
        var match = new RouteMatch { Path = Prefix("/api") };

        await Client.SetMirrorRouteAsync(Mirror(rollout, MirrorRoute, 0, match));
        Assert.Equal([Route], (await fx.SnapshotAsync(ns)).Keys);

        await Client.SetMirrorRouteAsync(Mirror(rollout, MirrorRoute, 50, match));
        Assert.NotNull(await fx.TryGetAsync(ns, MirrorRoute));

        await Client.SetMirrorRouteAsync(Mirror(rollout, MirrorRoute, 0, match));
        Assert.Equal([Route], (await fx.SnapshotAsync(ns)).Keys);
    }

    public static TheoryData<string, RouteMatch, string[]?, string[]> Matches => new()
    {
        // case, the step's match, the copy's methods (null: the source's), the exprs after the source's own
        { "path exact", new RouteMatch { Path = Exact("/api/orders") }, null, [Json(Expr("Path", null, "Equal", "/api/orders"))] },
        { "path prefix", new RouteMatch { Path = Prefix("/api/v1.2") }, null, [Json(Expr("Path", null, "RegexMatch", @"^\/api\/v1\.2"))] },
        { "path regex", new RouteMatch { Path = Regex("^/api/[0-9]+$") }, null, [Json(Expr("Path", null, "RegexMatch", "^/api/[0-9]+$"))] },
        { "method exact", new RouteMatch { Method = Exact("post") }, ["POST"], [] },
        { "method regex", new RouteMatch { Method = Regex("^(PUT|PATCH)$") }, null, [Json(Expr("Variable", "request_method", "RegexMatch", "^(PUT|PATCH)$"))] },
        {
            "method, path and headers", WithHeaders(new RouteMatch { Method = Exact("GET"), Path = Prefix("/api") }, ("x-mirror", Exact("yes")), ("x-user", Regex("^qa-"))),
            ["GET"],
            [Json(Expr("Path", null, "RegexMatch", @"^\/api")), Json(Expr("Header", "x-mirror", "Equal", "yes")), Json(Expr("Header", "x-user", "RegexMatch", "^qa-"))]
        },
    };

    [Theory]
    [MemberData(nameof(Matches))]
    public async Task Method_path_and_header_matches_restrict_the_copied_rule(string name, RouteMatch match, string[]? methods, string[] exprs)
    {
        var ns = await fx.PluginNamespaceAsync("mirror-match");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, MirrorRoute);

        await Client.SetMirrorRouteAsync(Mirror(rollout, MirrorRoute, 25, match));

        var rule = Assert.Single(Rules(await fx.ApisixRoutes.GetAsync(ns, MirrorRoute)))!.AsObject();
        Assert.True(Strings(rule["match"]!["methods"]).SequenceEqual(methods ?? []), $"{name}: methods {Json(rule["match"]!["methods"])}");
        var actual = rule["match"]!["exprs"]!.AsArray().Select(Json).ToArray();
        Assert.Equal([Json(SourceExpr()), .. exprs], actual);
        Assert.Equal(CanaryHost(ns), MirrorPlugin(rule)!["config"]!["host"]!.GetValue<string>());
    }

    [Fact]
    public async Task Several_route_matches_are_alternatives_and_the_port_and_cluster_domain_come_from_canary_and_config()
    {
        var ns = await fx.PluginNamespaceAsync("mirror-or");
        var source = SourceRoute();
        source["spec"]!["http"]![0]!["backends"]![1]!["servicePort"] = 8080;
        await fx.ApisixRoutes.CreateAsync(ns, source);
        var rollout = Rollout(ns, $$$"""{"route":{"name":"{{{Route}}}","rules":["{{{Rule}}}"]},"clusterDomain":"corp.example"}""", MirrorRoute);

        await Client.SetMirrorRouteAsync(Mirror(rollout, MirrorRoute, 50, new RouteMatch { Path = Prefix("/a") }, new RouteMatch { Path = Prefix("/b") }));

        var rules = Rules(await fx.ApisixRoutes.GetAsync(ns, MirrorRoute)).Select(r => r!.AsObject()).ToList();
        Assert.Equal(2, rules.Count);
        Assert.Equal(2, rules.Select(r => r["name"]!.GetValue<string>()).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(
            new[] { @"^\/a", @"^\/b" },
            rules.Select(r => r["match"]!["exprs"]!.AsArray().Last()!["value"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(rules, r => Assert.Equal(CanaryHost(ns, 8080, "corp.example"), MirrorPlugin(r)!["config"]!["host"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_later_SetWeight_moves_the_mirror_routes_weights_and_an_empty_match_removes_it()
    {
        var ns = await fx.PluginNamespaceAsync("mirror-weights");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, HeaderRoute, MirrorRoute);
        await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 20 });
        await Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute, ("trace", Exact("debug"))));
        await Client.SetMirrorRouteAsync(Mirror(rollout, MirrorRoute, 50, new RouteMatch { Method = Exact("GET") }));
        var mirrorRule = $"{MirrorRoute}-{Rule}";
        Assert.Equal(new Dictionary<string, int> { [Stable] = 80, [Canary] = 20 }, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, MirrorRoute), mirrorRule));
        var header = await fx.ApisixRoutes.GetAsync(ns, HeaderRoute);

        var reply = await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 60 });

        Assert.Equal(2, reply.RoutesChanged);
        Assert.Equal(new Dictionary<string, int> { [Stable] = 40, [Canary] = 60 }, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, Route)));
        var mirror = await fx.ApisixRoutes.GetAsync(ns, MirrorRoute);
        Assert.Equal(new Dictionary<string, int> { [Stable] = 40, [Canary] = 60 }, WeightsOf(mirror, mirrorRule));
        Assert.NotNull(MirrorPlugin(RuleNamed(mirror, mirrorRule)));

        // The header route is not a split: it keeps the canary alone.
        Assert.Equal(ResourceVersion(header), ResourceVersion(await fx.ApisixRoutes.GetAsync(ns, HeaderRoute)));

        await Client.SetMirrorRouteAsync(Mirror(rollout, MirrorRoute, 50));

        Assert.Null(await fx.TryGetAsync(ns, MirrorRoute));
        Assert.NotNull(await fx.TryGetAsync(ns, HeaderRoute));
    }

    [Theory]
    [InlineData("mirror set before the experiment")]
    [InlineData("mirror set during the experiment")]
    public async Task Experiment_backends_come_and_go_on_the_mirror_route_as_on_the_source(string order)
    {
        var ns = await fx.PluginNamespaceAsync("mirror-experiment");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, MirrorRoute);
        var mirror = Mirror(rollout, MirrorRoute, 50, new RouteMatch { Path = Prefix("/api") });
        var withExperiment = new SetWeightRequest { Rollout = rollout, DesiredWeight = 20 };
        withExperiment.AdditionalDestinations.Add(new WeightDestination { ServiceName = "exp-a", Weight = 10 });
        var mirrorRule = $"{MirrorRoute}-{Rule}";

        if (order == "mirror set before the experiment")
        {
            await Client.SetMirrorRouteAsync(mirror);
            await Client.SetWeightAsync(withExperiment);
        }
        else
        {
            await Client.SetWeightAsync(withExperiment);
            await Client.SetMirrorRouteAsync(mirror);
        }

        var during = new Dictionary<string, int> { [Stable] = 70, [Canary] = 20, ["exp-a"] = 10 };
        Assert.Equal(during, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, Route)));
        Assert.Equal(during, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, MirrorRoute), mirrorRule));

        // The experiment ends: its backend leaves the source, and must leave the mirror route too.
        await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 40 });

        var after = new Dictionary<string, int> { [Stable] = 60, [Canary] = 40 };
        Assert.Equal(after, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, Route)));
        Assert.Equal(after, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, MirrorRoute), mirrorRule));
    }

    private static RouteMatch WithHeaders(RouteMatch match, params (string Name, StringMatch Value)[] headers)
    {
        foreach (var (name, value) in headers)
        {
            match.Headers[name] = value;
        }

        return match;
    }
}
