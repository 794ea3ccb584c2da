using System.Collections.Immutable;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Tests.Support;
using ApisixPlugin.Core.Traffic;
using static ApisixPlugin.Core.Tests.Support.TestRoutes;

namespace ApisixPlugin.Core.Tests.Traffic;

/// <summary>
/// Header and mirror routes as the plugin's own builders make them, over the guide's route: which
/// requests they take from the source rule, in APISIX's priority order, and what those get.
/// </summary>
public sealed class ManagedRuleTrafficTests
{
    private static readonly ServiceRoles Roles = new(Canary, Stable);

    private static RolloutContext Rollout(params string[] managedRoutes) =>
        SetWeightCall.DemoRollout(Config(Rule)) with { ManagedRoutes = [.. managedRoutes] };

    private static ImmutableArray<ManagedRouteSource> Sources(RolloutContext rollout, ApisixRouteSnapshot route) =>
        [.. PluginConfigurationParser.Parse(rollout.PluginName, rollout.PluginConfigJson, rollout.Namespace).Routes.Select(t => new ManagedRouteSource(route, t))];

    private static ApisixRouteSnapshot Header(RolloutContext rollout, ApisixRouteSnapshot route, string name, params (string Header, string Value)[] matches) =>
        new(HeaderRouteBuilder.Build(rollout, "default", Sources(rollout, route),
            new HeaderRouteStep(name, [.. matches.Select(m => new HeaderMatch(m.Header, new StringMatch(Exact: m.Value)))])));

    private static RuleTraffic Traffic(ApisixRouteSnapshot route, IEnumerable<ApisixRouteSnapshot> all, KnownServices? services = null) =>
        ManagedRuleTraffic.For(route, route.FindRule(Rule)!, all, Roles, services ?? KnownServices.NotRead, ControllerGeneration.V2);

    [Fact]
    public void A_header_route_above_the_source_gives_matching_requests_all_to_the_canary()
    {
        var rollout = Rollout("set-header");
        var route = Guide(stable: 80, canary: 20);
        var header = Header(rollout, route, "set-header", ("trace", "debug"));

        var traffic = Traffic(route, [route, header]);

        var managed = Assert.Single(traffic.Managed);
        Assert.Equal(("default/set-header", "header", "header trace=debug"), (managed.Route, managed.Kind, managed.Condition));
        Assert.Equal(100.0m, managed.Split.PercentOf("canary"));
        Assert.True(managed.Split.Priority > traffic.Source.Priority);
        Assert.Equal($"20.0% canary ({Canary}), 80.0% stable ({Stable}); header trace=debug -> 100.0% canary", traffic.Describe());
    }

    [Fact]
    public void Managed_routes_come_highest_priority_first_as_apisix_tries_them()
    {
        // The first listed managed route gets the higher priority (RuleCopies.PriorityBoost).
        var rollout = Rollout("first", "second");
        var route = Guide(stable: 80, canary: 20);
        var second = Header(rollout, route, "second", ("x-beta", "1"));
        var first = Header(rollout, route, "first", ("trace", "debug"));

        var traffic = Traffic(route, [route, second, first]);

        Assert.Equal(["default/first", "default/second"], traffic.Managed.Select(m => m.Route));
        Assert.Equal([2, 1], traffic.Managed.Select(m => m.Split.Priority));
    }

    [Fact]
    public void Several_matches_are_several_copies_each_shown()
    {
        var rollout = Rollout("set-header");
        var route = Guide(stable: 80, canary: 20);
        var header = Header(rollout, route, "set-header", ("trace", "debug"), ("x-beta", "1"));

        var traffic = Traffic(route, [route, header]);

        Assert.Equal(["header trace=debug", "header x-beta=1"], traffic.Managed.Select(m => m.Condition));
    }

    [Fact]
    public void A_header_route_whose_canary_service_is_missing_has_no_backend_on_2x()
    {
        var rollout = Rollout("set-header");
        var route = Guide(stable: 80, canary: 20);
        var header = Header(rollout, route, "set-header", ("trace", "debug"));

        var traffic = Traffic(route, [route, header], new KnownServices([Stable], [Canary]));

        Assert.Equal(100.0m, traffic.Source.PercentOf("stable"));
        Assert.Equal(SplitOutcome.NoBackend, Assert.Single(traffic.Managed).Split.Outcome);
    }

    [Fact]
    public void A_mirror_route_keeps_the_split_and_copies_the_sampled_requests_to_the_canary()
    {
        var rollout = Rollout("mirror");
        var route = Guide(stable: 80, canary: 20);
        var step = new MirrorRouteStep("mirror",
            [new MirrorMatch(new StringMatch(Exact: "GET"), new StringMatch(Prefix: "/api"), ImmutableSortedDictionary<string, StringMatch>.Empty)], 50);
        var mirror = new ApisixRouteSnapshot(MirrorRouteBuilder.Build(rollout, "default", Sources(rollout, route), step, "cluster.local"));

        var managed = Assert.Single(Traffic(route, [route, mirror]).Managed);

        Assert.Equal("mirror", managed.Kind);
        Assert.Equal(@"method GET and path~^\/api", managed.Condition);
        Assert.Equal((20.0m, 80.0m), (managed.Split.PercentOf("canary"), managed.Split.PercentOf("stable")));
        Assert.Equal(new MirrorCopy($"http://{Canary}.default.svc.cluster.local:80", Canary, 50.0m), managed.Mirror);
        Assert.Equal(@"mirror method GET and path~^\/api -> 20.0% canary, 80.0% stable, and a copy of 50.0% mirrored to " + Canary, managed.Describe());
    }

    [Fact]
    public void Routes_not_managed_by_the_plugin_or_in_another_namespace_are_not_over_the_rule()
    {
        var rollout = Rollout("set-header");
        var route = Guide(stable: 80, canary: 20);
        var header = Header(rollout, route, "set-header", ("trace", "debug"));
        var foreign = ApisixRouteSnapshot.Parse(header.Json.GetRawText().Replace("apisix-plugin", "someone-else", StringComparison.Ordinal));
        var elsewhere = ApisixRouteSnapshot.Parse(header.Json.GetRawText().Replace("\"namespace\":\"default\"", "\"namespace\":\"other\"", StringComparison.Ordinal));

        Assert.Empty(Traffic(route, [route, foreign]).Managed);
        Assert.Empty(Traffic(route, [route, elsewhere]).Managed);
    }

    [Fact]
    public void A_copy_named_like_another_rule_is_that_rules_copy()
    {
        // Rule "a" matched twice gives "m-a-0"; a rule named "a-0" copied once gives "m-a-0" too.
        var route = Route([HttpRule("a", Backend(Stable)), HttpRule("a-0", Backend(Stable))]);
        var single = Route([HttpRule("a", Backend(Stable))]);

        Assert.False(ManagedRuleTraffic.IsCopyOf("m-a-0", "m", route, route.FindRule("a")!));
        Assert.True(ManagedRuleTraffic.IsCopyOf("m-a-0", "m", route, route.FindRule("a-0")!));
        Assert.True(ManagedRuleTraffic.IsCopyOf("m-a-0", "m", single, single.FindRule("a")!));
        Assert.True(ManagedRuleTraffic.IsCopyOf($"m-{Name}-a", "m", single, single.FindRule("a")!));
        Assert.False(ManagedRuleTraffic.IsCopyOf("m-ab", "m", single, single.FindRule("a")!));
        Assert.False(ManagedRuleTraffic.IsCopyOf("m-a-x", "m", single, single.FindRule("a")!));
    }

    [Fact]
    public void Exprs_read_as_scope_name_and_operator()
    {
        static string Of(string json) => ManagedRuleTraffic.DescribeExpr(System.Text.Json.JsonElement.Parse(json));

        Assert.Equal("header trace=debug", Of("""{"subject":{"scope":"Header","name":"trace"},"op":"Equal","value":"debug"}"""));
        Assert.Equal("cookie beta!=1", Of("""{"subject":{"scope":"Cookie","name":"beta"},"op":"NotEqual","value":"1"}"""));
        Assert.Equal("query v in [1,2]", Of("""{"subject":{"scope":"Query","name":"v"},"op":"In","set":["1","2"]}"""));
        Assert.Equal("method~^P", Of("""{"subject":{"scope":"Variable","name":"request_method"},"op":"RegexMatch","value":"^P"}"""));
    }
}
