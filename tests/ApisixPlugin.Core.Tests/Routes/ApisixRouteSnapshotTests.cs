using ApisixPlugin.Core.Routes;
using static ApisixPlugin.Core.Tests.Support.TestRoutes;

namespace ApisixPlugin.Core.Tests.Routes;

public sealed class ApisixRouteSnapshotTests
{
    [Fact]
    public void Metadata_is_read_from_the_api_servers_json()
    {
        var route = Guide(metadataExtra: ""","labels":{"app":"shop"},"annotations":{"example.com/owner":"team"}""");

        Assert.Equal(("default", Name, Key, "4711", 3L), (route.Namespace, route.Name, route.Key, route.ResourceVersion, route.Generation));
        Assert.Equal("6b0c8f2e-5d1a-4c1e-9a57-2f8d3c4b1a01", route.Uid);
        Assert.Equal("shop", route.Label("app"));
        Assert.Equal("team", route.Annotation("example.com/owner"));
        Assert.Null(route.Annotation("absent"));
        Assert.True(route.HasAnnotations);
        Assert.False(Guide().HasAnnotations);
    }

    [Fact]
    public void Rules_and_backends_keep_their_positions()
    {
        var route = Route([HttpRule("b", Backend("s2", 5), Backend("s1")), HttpRule("a", Backend("s3", 0, "\"http\""))]);

        var rules = route.Rules();

        Assert.Equal(["b", "a"], rules.Select(r => r.Name).ToArray());
        Assert.Equal([0, 1], rules.Select(r => r.Index).ToArray());
        Assert.Equal(["s2", "s1"], rules[0].Backends.Select(b => b.ServiceName).ToArray());
        Assert.Equal([5, 100], rules[0].Backends.Select(b => b.EffectiveWeight).ToArray());
        Assert.Null(rules[0].Backends[1].Weight);
        Assert.Equal("http", rules[1].Backends[0].ServicePort!.Value.GetString());
        Assert.Equal(1, route.FindRule("a")!.Index);
        Assert.Null(route.FindRule("c"));
    }

    [Fact]
    public void A_route_without_spec_http_has_no_rules()
    {
        var route = ApisixRouteSnapshot.Parse("""{"metadata":{"name":"r","namespace":"ns"},"spec":{"stream":[]}}""");

        Assert.Empty(route.Rules());
        Assert.Null(route.FindRule("r"));
        Assert.Equal(0, route.Generation);
        Assert.Null(route.ResourceVersion);
    }
}
