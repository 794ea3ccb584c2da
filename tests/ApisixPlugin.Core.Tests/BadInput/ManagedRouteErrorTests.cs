using System.Collections.Immutable;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Tests.Support;
using static ApisixPlugin.Core.Tests.Support.TestRoutes;

namespace ApisixPlugin.Core.Tests.BadInput;

/// <summary>Managed routes that would be wrong are refused, naming the route and rule: names that meet, priorities that overflow, no owner.</summary>
public sealed class ManagedRouteErrorTests
{
    private static readonly HeaderRouteStep Step = new("set-header", [new HeaderMatch("trace", new StringMatch("debug"))]);

    private static RolloutContext Rollout(string config) =>
        SetWeightCall.DemoRollout(config) with { ManagedRoutes = ["set-header"] };

    private static ApisixRouteSnapshot RouteNamed(string name, string rule, string priority = "0") => ApisixRouteSnapshot.Parse(
        "{\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"default\",\"uid\":\"u-" + name + "\"},\"spec\":{\"http\":[{\"name\":\"" + rule
        + "\",\"priority\":" + priority + ",\"match\":{\"paths\":[\"/*\"]},\"backends\":[" + Backend(Stable) + "," + Backend(Canary) + "]}]}}");

    private static ImmutableArray<ManagedRouteSource> Sources(RolloutContext rollout, params ApisixRouteSnapshot[] routes)
    {
        var config = PluginConfigurationParser.Parse(rollout.PluginName, rollout.PluginConfigJson, rollout.Namespace);
        return [.. config.Routes.Select(t => new ManagedRouteSource(routes.Single(r => r.Name == t.Name), t))];
    }

    [Fact]
    public void Copies_of_two_routes_whose_joined_names_meet_are_refused()
    {
        var rollout = Rollout("""{"routes":[{"name":"a-b","rules":["c"]},{"name":"a","rules":["b-c"]}]}""");

        var e = Assert.Throws<RouterException>(() => HeaderRouteBuilder.Build(rollout, "default", Sources(rollout, RouteNamed("a-b", "c"), RouteNamed("a", "b-c")), Step));

        Assert.Equal(RouterErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("'set-header-a-b-c'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_source_priority_with_no_room_above_it_is_refused_instead_of_wrapping_below()
    {
        var rollout = Rollout("""{"route":{"name":"shop","rules":["shop"]}}""");

        var e = Assert.Throws<RouterException>(() => HeaderRouteBuilder.Build(rollout, "default", Sources(rollout, RouteNamed("shop", "shop", "2147483647")), Step));

        Assert.Equal(RouterErrorKind.FailedPrecondition, e.Kind);
        Assert.Contains("route default/shop rule 'shop': priority 2147483647 leaves no room above it", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3000000000")]
    [InlineData("2.5")]
    [InlineData("\"high\"")]
    public void A_priority_that_is_no_32_bit_whole_number_is_named(string priority)
    {
        var rollout = Rollout("""{"route":{"name":"shop","rules":["shop"]}}""");

        var e = Assert.Throws<RouterException>(() => HeaderRouteBuilder.Build(rollout, "default", Sources(rollout, RouteNamed("shop", "shop", priority)), Step));

        Assert.Equal(RouterErrorKind.FailedPrecondition, e.Kind);
        Assert.Contains("route default/shop rule 'shop': spec.http[0].priority is", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Rollout_without_a_uid_owns_nothing_and_makes_no_managed_route()
    {
        var rollout = Rollout("""{"route":{"name":"shop","rules":["shop"]}}""") with { Uid = "" };
        var made = ApisixRouteSnapshot.Parse("""
            {"metadata": {"name": "set-header", "namespace": "default", "annotations": {"rollouts.apisixplugin.io/owner": "default/rollouts-demo/"}}, "spec": {"http": []}}
            """);

        var e = Assert.Throws<RouterException>(() => HeaderRouteBuilder.Build(rollout, "default", Sources(rollout, RouteNamed("shop", "shop")), Step));

        Assert.Equal(RouterErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("uid is empty", e.Message, StringComparison.Ordinal);
        Assert.False(ManagedRouteOwnership.IsOwnedBy(made, rollout));
    }
}
