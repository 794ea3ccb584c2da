using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Tests.Support;
using ApisixPlugin.Core.Weights;
using static ApisixPlugin.Core.Tests.Support.TestRoutes;

namespace ApisixPlugin.Core.Tests.Weights;

public sealed class WeightSplitTests
{
    [Theory]
    [InlineData(0, 100, 100, 0)]
    [InlineData(20, 100, 80, 0)]
    [InlineData(100, 100, 0, 0)]
    [InlineData(20, 100, 50, 30)]
    [InlineData(250, 1000, 625, 125)]
    [InlineData(1, 1, 0, 0)]
    public void Stable_gets_what_canary_and_experiments_leave_of_max(int desired, int max, int stable, int additional)
    {
        var call = additional == 0 ? Call(desired, max: max) : Call(desired, max: max, additional: [("exp-a", additional)]);

        var split = call.Split();

        Assert.Equal((Canary, desired, Stable, stable), (split.CanaryService, split.CanaryWeight, split.StableService, split.StableWeight));
        Assert.Equal(max, split.CanaryWeight + split.StableWeight + split.Additional.Sum(a => a.Weight));
    }

    [Fact]
    public void WeightOf_answers_for_owned_services_only()
    {
        var split = Call(20, additional: [("exp-a", 10), ("exp-b", 0)]).Split();

        Assert.Equal(20, split.WeightOf(Canary));
        Assert.Equal(70, split.WeightOf(Stable));
        Assert.Equal(10, split.WeightOf("exp-a"));
        Assert.Equal(0, split.WeightOf("exp-b"));
        Assert.Null(split.WeightOf("legacy"));
        Assert.Equal($"{Canary}=20, {Stable}=70, exp-a=10, exp-b=0", split.ToString());
    }

    [Theory]
    [InlineData(true, "svc-pong", "svc-ping")]
    [InlineData(false, "svc-ping", "svc-pong")]
    public void With_ping_pong_the_canary_is_the_service_that_is_not_stable_now(bool stableIsPing, string canary, string stable)
    {
        var rollout = SetWeightCall.DemoRollout(Config(Rule)) with { PingPong = new PingPongServices("svc-ping", "svc-pong", stableIsPing) };

        var split = WeightSplit.For(rollout, 30, []);

        Assert.Equal((canary, 30, stable, 70), (split.CanaryService, split.CanaryWeight, split.StableService, split.StableWeight));
    }

    [Fact]
    public void With_ping_pong_the_route_is_weighed_on_the_ping_pong_services()
    {
        var route = Route([HttpRule(Rule, Backend("svc-ping", 100), Backend("svc-pong", 0))]);
        var rollout = SetWeightCall.DemoRollout(Config(Rule)) with { PingPong = new PingPongServices("svc-ping", "svc-pong", StableIsPing: true) };

        var (_, after) = new SetWeightCall(rollout, 40, []).Run(route);

        Assert.Equal([60, 40], after.FindRule(Rule)!.Backends.Select(b => b.Weight!.Value).ToArray());
    }
}
