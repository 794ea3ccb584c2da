using ApisixPlugin.Bridge.Mapping;
using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Testing;

namespace ApisixPlugin.Bridge.Tests.Mapping;

/// <summary>Rollouts as Go's net/rpc client sent them (gobdump), mapped to the sidecar's request.</summary>
public sealed class RolloutMapperTests
{
    private static GobValue Argument(string dumpName, GobShape? shape = null)
    {
        var bytes = File.ReadAllBytes(Path.Combine(GoPeerDump.Directory, dumpName + ".bin"));
        var decoder = new GobStreamDecoder(new MemoryStream(bytes));
        _ = decoder.DecodeNext(); // Request header
        return decoder.DecodeNext(shape ?? GobShape.All)!;
    }

    [Theory]
    [InlineData("netrpc-client-UpdateHash-fresh")]
    [InlineData("netrpc-client-SetWeight-fresh")]
    [InlineData("netrpc-client-VerifyWeight-fresh")]
    [InlineData("netrpc-client-SetHeaderRoute-fresh")]
    [InlineData("netrpc-client-SetMirrorRoute-fresh")]
    [InlineData("netrpc-client-RemoveManagedRoutes-fresh")]
    [InlineData("netrpc-client-SetWeight-big")]
    [InlineData("netrpc-client-SetWeight-pingpong")]
    public void The_argument_shape_builds_all_the_mapping_reads_and_drops_the_rest(string dumpName)
    {
        var whole = Argument(dumpName);
        var shaped = Argument(dumpName, RolloutMapper.ArgumentShape);
        var mapper = new RolloutMapper("apisixplugin/apisix");
        Assert.Equal(mapper.Map(whole.Field("Rollout")), mapper.Map(shaped.Field("Rollout")));
        Assert.Equal(mapper.Map(whole.Field("Rollout")).ToString(), mapper.Map(shaped.Field("Rollout")).ToString());
        foreach (var (name, value) in whole.Unwrapped!.Fields.Where(f => f.Key != "Rollout"))
        {
            Assert.Equal(value.ToString(), shaped.Field(name)?.ToString());
        }
        // What nothing reads is not built: annotations, the pod template, status conditions.
        Assert.NotNull(whole.Path("Rollout", "ObjectMeta", "Annotations"));
        Assert.Null(shaped.Path("Rollout", "ObjectMeta", "Annotations"));
        Assert.NotNull(whole.Path("Rollout", "Spec", "Template"));
        Assert.Null(shaped.Path("Rollout", "Spec", "Template"));
        Assert.Null(shaped.Path("Rollout", "Status", "Conditions"));
    }

    [Fact]
    public void Every_field_the_mapping_reads_arrives_through_the_argument_shape()
    {
        var argument = Argument("netrpc-client-SetWeight-pingpong", RolloutMapper.ArgumentShape);
        var rollout = new RolloutMapper("apisixplugin/apisix").Map(argument.Field("Rollout"));
        Assert.Equal(("shop", "checkout", "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"), (rollout.Namespace, rollout.Name, rollout.Uid));
        Assert.Equal(("checkout-canary", "checkout-stable"), (rollout.CanaryService, rollout.StableService));
        Assert.Equal(["checkout-header", "checkout-mirror"], rollout.ManagedRoutes);
        Assert.Equal(1000, rollout.MaxTrafficWeight);
        Assert.Equal(("checkout-ping", "checkout-pong", "pong"),
            (rollout.PingPong.PingService, rollout.PingPong.PongService, rollout.PingPong.StablePingPong));
        Assert.Equal("""{"routes":[{"name":"checkout-route","rules":["main"]}]}""", rollout.PluginConfig.ToStringUtf8());
        Assert.Equal(("argoproj.io/v1alpha1", "Rollout"), (rollout.ApiVersion, rollout.Kind));
        Assert.Equal(20, argument.Field("DesiredWeight")!.AsInt64());
    }

    [Fact]
    public void UpdateHash_rollout_fields_by_name()
    {
        var argument = Argument("netrpc-client-UpdateHash-fresh");
        var rollout = new RolloutMapper("apisixplugin/apisix").Map(argument.Field("Rollout"));
        Assert.Equal(("shop", "checkout", "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"), (rollout.Namespace, rollout.Name, rollout.Uid));
        Assert.Equal(("checkout-canary", "checkout-stable"), (rollout.CanaryService, rollout.StableService));
        Assert.Equal(["checkout-header", "checkout-mirror"], rollout.ManagedRoutes);
        Assert.Equal("apisixplugin/apisix", rollout.PluginName);
        Assert.NotEmpty(rollout.PluginConfig);
        Assert.NotNull(System.Text.Json.Nodes.JsonNode.Parse(rollout.PluginConfig.ToStringUtf8()));
        Assert.Equal(0, rollout.MaxTrafficWeight);
        Assert.Null(rollout.PingPong);
        Assert.Equal(("argoproj.io/v1alpha1", "Rollout"), (rollout.ApiVersion, rollout.Kind));
        Assert.Equal("7d9f8c6b5", RolloutMapper.Text(argument, "CanaryHash"));
    }

    [Fact]
    public void Another_plugin_key_yields_no_config()
    {
        var rollout = new RolloutMapper("someone/else").Map(Argument("netrpc-client-SetWeight-fresh").Field("Rollout"));
        Assert.True(rollout.PluginConfig.IsEmpty);
        Assert.Equal("someone/else", rollout.PluginName);
    }

    [Fact]
    public void Header_and_mirror_routes()
    {
        var header = RouteMapper.MapHeaderRoute(Argument("netrpc-client-SetHeaderRoute-fresh").Field("SetHeaderRoute"));
        Assert.NotEmpty(header.Name);
        Assert.NotEmpty(header.Match);
        Assert.All(header.Match, m => Assert.NotEmpty(m.HeaderName));
        var mirror = RouteMapper.MapMirrorRoute(Argument("netrpc-client-SetMirrorRoute-fresh").Field("SetMirrorRoute"));
        Assert.NotEmpty(mirror.Name);
        Assert.NotEmpty(mirror.Match);
    }

    [Fact]
    public void An_absent_rollout_maps_to_defaults_not_an_exception()
    {
        var rollout = new RolloutMapper("p").Map(null);
        Assert.Equal(("", "argoproj.io/v1alpha1"), (rollout.Name, rollout.ApiVersion));
    }
}
