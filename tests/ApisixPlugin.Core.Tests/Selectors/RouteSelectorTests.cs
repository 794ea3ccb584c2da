using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Tests.Selectors;

/// <summary>routeSelector as the block spells it, checked as the API server checks a label selector, and what it selects.</summary>
public sealed class RouteSelectorTests
{
    private const string Plugin = "apisixplugin/apisix";

    private static PluginConfiguration Parse(string json) => PluginConfigurationParser.Parse(Plugin, json, "shop");

    [Fact]
    public void MatchLabels_and_matchExpressions_become_the_API_servers_label_selector_query()
    {
        var config = Parse("""
            {"routeSelector": {"matchLabels": {"team": "shop", "tier": ""},
              "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "staging"]},
                                   {"key": "example.com/legacy", "operator": "DoesNotExist"},
                                   {"key": "canary", "operator": "Exists"},
                                   {"key": "zone", "operator": "NotIn", "values": ["b"]}]}}
            """);

        var selector = Assert.IsType<RouteSelector>(config.Selector);
        Assert.Empty(config.Routes);
        Assert.Equal("shop", selector.Namespace);
        Assert.Empty(selector.Rules);
        Assert.Equal("team=shop,tier=,env in (prod,staging),!example.com/legacy,canary,zone notin (b)", selector.ToQuery());
        Assert.Equal(["shop"], config.RouteNamespaces);
    }

    [Theory]
    [InlineData("""{"team": "shop", "env": "prod", "canary": "x"}""", true)]
    [InlineData("""{"team": "shop", "env": "dev", "canary": "x"}""", false)]
    [InlineData("""{"team": "shop", "env": "prod"}""", false)]
    [InlineData("""{"team": "shop", "env": "prod", "canary": "x", "legacy": "1"}""", false)]
    [InlineData("""{"env": "prod", "canary": "x"}""", false)]
    public void Matches_as_Kubernetes_does(string labels, bool expected)
    {
        var selector = Parse("""
            {"routeSelector": {"matchLabels": {"team": "shop"},
              "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod"]}, {"key": "canary", "operator": "Exists"},
                                   {"key": "legacy", "operator": "DoesNotExist"}]}}
            """).Selector!;

        Assert.Equal(expected, selector.Matches(System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(labels)!));
    }

    [Fact]
    public void A_selector_beside_named_routes_keeps_both_and_its_namespace_and_rules()
    {
        var config = Parse("""{"route": {"name": "web"}, "routeSelector": {"namespace": "edge", "matchLabels": {"a": "b"}, "rules": ["r1"]}}""");

        Assert.Equal("shop/web", Assert.Single(config.Routes).Key);
        Assert.Equal("edge", config.Selector!.Namespace);
        Assert.Equal(["r1"], config.Selector.Rules.AsEnumerable());
        Assert.Equal(["shop", "edge"], config.RouteNamespaces);
    }

    [Theory]
    [InlineData("""{"routeSelector": {}}""", "plugins.apisixplugin/apisix.routeSelector: needs matchLabels or matchExpressions")]
    [InlineData("""{"routeSelector": {"matchLabels": {}}}""", "an empty selector would select every ApisixRoute")]
    [InlineData("""{"routeSelector": {"matchLabel": {"a": "b"}}}""", "routeSelector: unknown field(s) 'matchLabel'")]
    [InlineData("""{"routeSelector": {"matchLabels": {"a": 1}}}""", "routeSelector.matchLabels.a: must be a string, not number")]
    [InlineData("""{"routeSelector": {"matchLabels": {"-a": "b"}}}""", "routeSelector.matchLabels: '-a' is not a valid label key")]
    [InlineData("""{"routeSelector": {"matchLabels": {"a": "b c"}}}""", "routeSelector.matchLabels.a: 'b c' is not a valid label value")]
    [InlineData("""{"routeSelector": {"matchExpressions": [{"key": "a", "operator": "in", "values": ["x"]}]}}""", "routeSelector.matchExpressions[0].operator: 'in' is not one of In, NotIn, Exists, DoesNotExist")]
    [InlineData("""{"routeSelector": {"matchExpressions": [{"key": "a", "operator": "0", "values": ["x"]}]}}""", "operator: '0' is not one of")]
    [InlineData("""{"routeSelector": {"matchExpressions": [{"key": "a", "operator": "In,NotIn", "values": ["x"]}]}}""", "operator: 'In,NotIn' is not one of")]
    [InlineData("""{"routeSelector": {"matchLabels": {"app\n": "b"}}}""", "is not a valid label key")]
    [InlineData("""{"routeSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}}""", "routeSelector.matchExpressions[0].values: operator In needs at least one value")]
    [InlineData("""{"routeSelector": {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}}""", "routeSelector.matchExpressions[0].values: operator Exists takes no values")]
    [InlineData("""{"routeSelector": {"matchExpressions": [{"operator": "Exists"}]}}""", "routeSelector.matchExpressions[0]: 'key' and 'operator' are required")]
    [InlineData("""{"routeSelector": {"matchExpressions": {"key": "a"}}}""", "routeSelector.matchExpressions: must be a list")]
    [InlineData("""{"routeSelector": {"namespace": "Edge", "matchLabels": {"a": "b"}}}""", "routeSelector.namespace: 'Edge' is not a valid namespace name")]
    [InlineData("""{"routeSelector": {"matchLabels": {"a": "b"}, "rules": ["r", "r"]}}""", "routeSelector.rules: rule 'r' is listed twice")]
    public void A_wrong_selector_is_InvalidArgument_naming_the_field(string json, string expected)
    {
        var e = Assert.Throws<RouterException>(() => Parse(json));

        Assert.Equal(RouterErrorKind.InvalidArgument, e.Kind);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Selection_defaults_to_the_rules_holding_both_backends_skips_managed_and_named_routes_and_orders_by_name()
    {
        var selector = Parse("""{"route": {"name": "named"}, "routeSelector": {"matchLabels": {"team": "shop"}}}""");
        var rollout = new RolloutContext("shop", "web", "uid", "web-canary", "web-stable", [], Plugin, "{}");
        ApisixRouteSnapshot Route(string name, string labels, string rules) => ApisixRouteSnapshot.Parse(
            "{\"metadata\": {\"name\": \"" + name + "\", \"namespace\": \"shop\", \"labels\": {" + labels + "}}, \"spec\": {\"http\": [" + rules + "]}}");
        const string Both = """{"name": "both", "backends": [{"serviceName": "web-stable"}, {"serviceName": "web-canary"}]}""";
        const string StableOnly = """{"name": "stable-only", "backends": [{"serviceName": "web-stable"}]}""";
        var listed = new[]
        {
            Route("zeta", "\"team\": \"shop\"", $"{StableOnly}, {Both}"),
            Route("alpha", "\"team\": \"shop\"", Both),
            Route("named", "\"team\": \"shop\"", Both),
            Route("made-by-plugin", "\"team\": \"shop\", \"app.kubernetes.io/managed-by\": \"apisix-plugin\"", Both),
            Route("billing", "\"team\": \"billing\"", Both),
        };

        var selected = RouteSelection.Select(selector.Selector!, rollout, selector.Routes, listed);

        Assert.Equal(["shop/alpha", "shop/zeta"], selected.Select(s => s.Target.Key));
        Assert.Equal(["both"], selected[1].Target.Rules.AsEnumerable());
    }
}
