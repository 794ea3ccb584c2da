using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Tests.Support;

namespace ApisixPlugin.Core.Tests.BadInput;

/// <summary>
/// A wrong plugin block is InvalidArgument, and the message points at the field and value, so
/// that the Rollout's owner can fix it from the controller's log or the Rollout's status alone.
/// </summary>
public sealed class ConfigurationErrorTests
{
    private const string Plugin = SetWeightCall.PluginName;

    [Theory]
    [InlineData("""{"route":{"name":"r","rulez":["a"]}}""", "plugins.apisixplugin/apisix.route", "'rulez'")]
    [InlineData("""{"routes":[{"name":"r"},{"name":"s","namespaces":"x"}]}""", "plugins.apisixplugin/apisix.routes[1]", "'namespaces'")]
    [InlineData("""{"route":{"name":"r"},"clusterdomain":"cluster.local"}""", "plugins.apisixplugin/apisix:", "'clusterdomain'")]
    public void Unknown_fields_are_named(string json, string at, string field)
    {
        var e = Invalid(json);

        Assert.Contains(at, e.Message, StringComparison.Ordinal);
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
        Assert.Contains("unknown", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"route":{"name":"r"},"routes":[{"name":"s"}]}""")]
    [InlineData("""{}""")]
    [InlineData("""{"clusterDomain":"cluster.local"}""")]
    public void Exactly_one_of_route_and_routes(string json)
    {
        var e = Invalid(json);

        Assert.Contains("'route'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'routes'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"route":{"name":"r",}""")]
    [InlineData("""{route: {name: r}}""")]
    [InlineData("""route:\n  name: r""")]
    public void Malformed_json_is_reported_as_such(string json)
    {
        var e = Invalid(json);

        Assert.Contains($"plugins.{Plugin}", e.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_block_names_the_plugin_key_to_add(string json)
    {
        var e = Invalid(json);

        Assert.Contains($"\"{Plugin}\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("'route'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""null""", "must be an object", "null")]
    [InlineData("""[]""", "must be an object", "array")]
    [InlineData("""{"route":"r"}""", "route: must be an object", "\"r\"")]
    [InlineData("""{"route":{"rules":["a"]}}""", "route.name: required", "metadata.name")]
    [InlineData("""{"route":{"name":""}}""", "route.name: must be a non-empty string", "\"\"")]
    [InlineData("""{"route":{"name":7}}""", "route.name: must be a non-empty string", "number")]
    [InlineData("""{"routes":[]}""", "routes: must be a non-empty list", "routes")]
    [InlineData("""{"routes":{"name":"r"}}""", "routes: must be a non-empty list", "routes")]
    [InlineData("""{"route":{"name":"r","rules":"a"}}""", "route.rules: must be a list", "rule names")]
    [InlineData("""{"route":{"name":"r","rules":["a",""]}}""", "route.rules[1]: must be a non-empty string", "\"\"")]
    [InlineData("""{"route":{"name":"r","rules":["a",3]}}""", "route.rules[1]: must be a non-empty string", "number")]
    public void Wrong_shapes_name_the_field_and_what_was_found(string json, string at, string found)
    {
        var e = Invalid(json);

        Assert.Contains(at, e.Message, StringComparison.Ordinal);
        Assert.Contains(found, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"route":{"name":"Rollouts_Route"}}""", "route.name", "'Rollouts_Route'")]
    [InlineData("""{"route":{"name":"-route"}}""", "route.name", "'-route'")]
    [InlineData("""{"route":{"name":"r","namespace":"Team.A"}}""", "route.namespace", "'Team.A'")]
    [InlineData("""{"routes":[{"name":"r","namespace":"a-very-long-namespace-name-that-is-longer-than-sixty-three-characters"}]}""", "routes[0].namespace", "'a-very-long-namespace")]
    [InlineData("""{"route":{"name":"r"},"clusterDomain":"cluster local"}""", "clusterDomain", "'cluster local'")]
    public void Invalid_names_are_quoted(string json, string field, string value)
    {
        var e = Invalid(json);

        Assert.Contains(field, e.Message, StringComparison.Ordinal);
        Assert.Contains(value, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_listed_twice_is_named()
    {
        var e = Invalid("""{"route":{"name":"r","rules":["web","api","web"]}}""");

        Assert.Contains("route.rules", e.Message, StringComparison.Ordinal);
        Assert.Contains("rule 'web' is listed twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_route_listed_twice_is_named_with_its_namespace()
    {
        var e = Invalid("""{"routes":[{"name":"r","namespace":"shop"},{"name":"s"},{"name":"r","namespace":"shop"}]}""");

        Assert.Contains("route shop/r is listed twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_route_name_in_two_namespaces_is_two_routes()
    {
        var config = PluginConfigurationParser.Parse(Plugin, """{"routes":[{"name":"r"},{"name":"r","namespace":"shop"}]}""", "default");

        Assert.Equal(["default/r", "shop/r"], config.Routes.Select(r => r.Key));
    }

    [Fact]
    public void The_built_in_shape_parses_with_the_rollouts_namespace_and_the_rule_defaulting_to_the_route_name()
    {
        var builtIn = PluginConfigurationParser.Parse(Plugin, """{"route":{"name":"rollouts-apisix-route"}}""", "shop");
        var emptyRules = PluginConfigurationParser.Parse(Plugin, """{"route":{"name":"r","rules":[]}}""", "shop");
        var nullRules = PluginConfigurationParser.Parse(Plugin, """{"route":{"name":"r","rules":null}}""", "shop");

        Assert.Equal(new RouteTarget("shop", "rollouts-apisix-route", ["rollouts-apisix-route"]), builtIn.Routes.Single(), TargetComparer);
        Assert.Equal(["r"], emptyRules.Routes.Single().Rules.ToArray());
        Assert.Equal(["r"], nullRules.Routes.Single().Rules.ToArray());
        Assert.Equal(PluginConfiguration.DefaultClusterDomain, builtIn.ClusterDomain);
    }

    [Fact]
    public void Routes_keep_their_order_and_explicit_namespaces()
    {
        var config = PluginConfigurationParser.Parse(Plugin,
            """{"routes":[{"name":"b","rules":["y","x"]},{"name":"a","namespace":"edge"}],"clusterDomain":"corp.internal"}""", "shop");

        Assert.Equal(["shop/b", "edge/a"], config.Routes.Select(r => r.Key));
        Assert.Equal(["y", "x"], config.Routes[0].Rules.ToArray());
        Assert.Equal("corp.internal", config.ClusterDomain);
    }

    private static readonly IEqualityComparer<RouteTarget> TargetComparer = EqualityComparer<RouteTarget>.Create(
        (a, b) => a!.Key == b!.Key && a.Rules.SequenceEqual(b.Rules), t => t.Key.GetHashCode(StringComparison.Ordinal));

    private static RouterException Invalid(string json)
    {
        var e = Assert.Throws<RouterException>(() => PluginConfigurationParser.Parse(Plugin, json, "default"));
        Assert.Equal(RouterErrorKind.InvalidArgument, e.Kind);
        return e;
    }
}
