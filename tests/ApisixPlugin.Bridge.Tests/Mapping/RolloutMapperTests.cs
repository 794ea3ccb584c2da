using ApisixPlugin.Bridge.Mapping;
using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Testing;

namespace ApisixPlugin.Bridge.Tests.Mapping;

/// <summary>Rollouts as Go's net/rpc client sent them (gobdump), mapped to the sidecar's request.</summary>
public sealed class RolloutMapperTests
{
    private static GobValue Argument(string dumpName)
    {
        var bytes = File.ReadAllBytes(Path.Combine(GoPeerDump.Directory, dumpName + ".bin"));
        var decoder = new GobStreamDecoder(new MemoryStream(bytes));
        _ = decoder.DecodeNext(); // Request header
        return decoder.DecodeNext()!;
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
