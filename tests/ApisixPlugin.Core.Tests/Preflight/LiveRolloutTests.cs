using System.Text.Json;
using ApisixPlugin.Core.Preflight;

namespace ApisixPlugin.Core.Tests.Preflight;

/// <summary>A live Rollout read into what the bridge would send: the block as its JSON text, managed route names, ping-pong's stable side.</summary>
public sealed class LiveRolloutTests
{
    private const string Plugin = "apisixplugin/apisix";

    private static LiveRollout Read(string canary) => new(JsonElement.Parse(
        """{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"demo","namespace":"shop","uid":"u-1"},"spec":{"strategy":{"canary":"""
        + canary + """}},"status":{"canary":{"stablePingPong":"pong"}}}"""));

    [Fact]
    public void The_context_carries_the_block_as_text_and_the_managed_route_names()
    {
        var rollout = Read("""{"canaryService":"c","stableService":"s","trafficRouting":{"managedRoutes":[{"name":"h1"},{"name":"h2"}],"plugins":{"apisixplugin/apisix":{"route":{"name":"r"}}}}}""");

        var context = rollout.ToContext(Plugin);

        Assert.Null(rollout.NotUsingPlugin(Plugin));
        Assert.Equal(("shop", "demo", "u-1", "c", "s"), (context.Namespace, context.Name, context.Uid, context.CanaryService, context.StableService));
        Assert.Equal(["h1", "h2"], context.ManagedRoutes.AsEnumerable());
        Assert.Equal("""{"route":{"name":"r"}}""", context.PluginConfigJson);
    }

    [Fact]
    public void Ping_pong_services_follow_the_stable_side_in_the_status()
    {
        var rollout = Read("""{"pingPong":{"pingService":"ping","pongService":"pong"},"trafficRouting":{"plugins":{"apisixplugin/apisix":{}}}}""");

        Assert.Equal(("ping", "pong"), rollout.ToContext(Plugin).EffectiveServices());
    }

    [Theory]
    [InlineData("""{"trafficRouting":{"plugins":{"argoproj-labs/gatewayAPI":{}}}}""", "plugins has no key 'apisixplugin/apisix' (it names 'argoproj-labs/gatewayAPI')")]
    [InlineData("""{"trafficRouting":{"nginx":{}}}""", "plugins has no key 'apisixplugin/apisix' (it names no plugin)")]
    [InlineData("""{}""", "spec.strategy.canary.trafficRouting is missing")]
    public void A_rollout_that_does_not_name_the_plugin_says_which_field(string canary, string message)
    {
        var rollout = Read(canary);

        Assert.False(rollout.UsesPlugin(Plugin));
        Assert.Contains(message, rollout.NotUsingPlugin(Plugin), StringComparison.Ordinal);
    }

    [Fact]
    public void A_mirror_step_of_percentage_0_fails_the_steps_check_because_go_plugin_delivers_it_as_all_requests()
    {
        var rollout = Read("""{"steps":[{"setWeight":10},{"setMirrorRoute":{"name":"m1","percentage":0,"match":[{"method":{"exact":"GET"}}]}},"""
            + """{"setMirrorRoute":{"name":"m2","percentage":30}},{"setMirrorRoute":{"name":"m3"}},{"setMirrorRoute":{"name":"m1"}}],"trafficRouting":{"plugins":{"apisixplugin/apisix":{}}}}""");

        var finding = Assert.Single(RolloutSteps.Check(rollout));

        Assert.Equal((FindingStatus.Fail, "steps", "shop/demo steps[1]"), (finding.Status, finding.Check, finding.Subject));
        Assert.Contains("spec.strategy.canary.steps[1].setMirrorRoute 'm1' has percentage 0", finding.Message, StringComparison.Ordinal);
        Assert.Contains("mirrors every matching request", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rollout_without_steps_has_no_step_findings() =>
        Assert.Empty(RolloutSteps.Check(Read("""{"trafficRouting":{"plugins":{"apisixplugin/apisix":{}}}}""")));
}
