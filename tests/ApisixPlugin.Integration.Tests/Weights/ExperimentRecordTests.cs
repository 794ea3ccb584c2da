using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;

namespace ApisixPlugin.Integration.Tests.Weights;

/// <summary>
/// Two Rollouts steer different rules of one ApisixRoute and run experiments at the same time. The
/// plugin records the experiment backends it added per rule in one annotation; an update planned
/// from an older record would drop the other Rollout's entry, its experiment backend would then
/// stay in the route (traffic to a Service Argo deletes) and VerifyWeight would not see it.
/// </summary>
[Collection("sidecar")]
public sealed class ExperimentRecordTests(SidecarClusterFixture fx)
{
    private const string RuleA = "rule-a";
    private const string RuleB = "rule-b";
    private const int Rounds = 12;

    private static Rollout RolloutOn(string ns, string name, string rule)
    {
        var rollout = Rollout(ns, $$$"""{"route":{"name":"{{{Route}}}","rules":["{{{rule}}}"]}}""");
        rollout.Name = name;
        return rollout;
    }

    private static SetWeightRequest Step(Rollout rollout, int weight, params string[] experiments)
    {
        var request = new SetWeightRequest { Rollout = rollout, DesiredWeight = weight };
        request.AdditionalDestinations.AddRange(experiments.Select(e => new WeightDestination { ServiceName = e, PodTemplateHash = "h-" + e, Weight = 10 }));
        return request;
    }

    [Fact]
    public async Task Experiments_started_and_ended_together_on_one_route_leave_no_stale_backend_and_are_never_verified_while_one_remains()
    {
        var ns = await fx.PluginNamespaceAsync("experiments");
        var route = ApisixRoute(Route);
        route["spec"]!["http"] = new JsonArray(RuleJson(RuleA, "/a/*"), RuleJson(RuleB, "/b/*"));
        await fx.ApisixRoutes.CreateAsync(ns, route);
        var a = RolloutOn(ns, "shop-a", RuleA);
        var b = RolloutOn(ns, "shop-b", RuleB);

        for (var round = 0; round < Rounds; round++)
        {
            await Task.WhenAll(
                fx.Sidecar.Client.SetWeightAsync(Step(a, 20, $"exp-a-{round}")).ResponseAsync,
                fx.Sidecar.Client.SetWeightAsync(Step(b, 20, $"exp-b-{round}")).ResponseAsync);

            var during = await fx.ApisixRoutes.GetAsync(ns, Route);
            Assert.Contains($"exp-a-{round}", WeightsOf(during, RuleA).Keys);
            Assert.Contains($"exp-b-{round}", WeightsOf(during, RuleB).Keys);

            await Task.WhenAll(
                fx.Sidecar.Client.SetWeightAsync(Step(a, 0)).ResponseAsync,
                fx.Sidecar.Client.SetWeightAsync(Step(b, 0)).ResponseAsync);

            var after = await fx.ApisixRoutes.GetAsync(ns, Route);
            Assert.True(WeightsOf(after, RuleA).Keys.Order(StringComparer.Ordinal).SequenceEqual([Canary, Stable]),
                $"round {round}: rule-a has {string.Join(", ", WeightsOf(after, RuleA))}");
            Assert.True(WeightsOf(after, RuleB).Keys.Order(StringComparer.Ordinal).SequenceEqual([Canary, Stable]),
                $"round {round}: rule-b has {string.Join(", ", WeightsOf(after, RuleB))}");
            Assert.Null(after["metadata"]!["annotations"]?["rollouts.apisixplugin.io/added-backends"]);
        }

        foreach (var rollout in new[] { a, b })
        {
            Assert.Equal(Verification.Verified,
                (await fx.Sidecar.Client.VerifyWeightAsync(new VerifyWeightRequest { Rollout = rollout, DesiredWeight = 0 })).Verification);
        }
    }

    [Fact]
    public async Task A_recorded_experiment_backend_that_is_still_there_is_not_verified()
    {
        var ns = await fx.PluginNamespaceAsync("stale");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var rollout = Rollout(ns);
        await fx.Sidecar.Client.SetWeightAsync(Step(rollout, 20, "exp-stale"));

        // The experiment ended, but its backend was not removed (as when an entry was lost).
        var reply = await fx.Sidecar.Client.VerifyWeightAsync(new VerifyWeightRequest { Rollout = rollout, DesiredWeight = 20 });

        Assert.Equal(Verification.NotVerified, reply.Verification);
        Assert.Contains("exp-stale", reply.Detail, StringComparison.Ordinal);
    }
}
