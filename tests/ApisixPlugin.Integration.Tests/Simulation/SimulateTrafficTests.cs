using System.Text.Json;
using ApisixPlugin.Sidecar.Simulation;

namespace ApisixPlugin.Integration.Tests.Simulation;

/// <summary>
/// simulate's account of the requests each step leaves: the share of each backend as APISIX
/// applies the weights, and what the header and mirror routes over a rule take, in the text
/// report's traffic section and in the JSON steps.
/// </summary>
public sealed class SimulateTrafficTests
{
    private const string Rule = "default/rollouts-apisix-route rule rollouts-apisix";
    private const string Canary = "rollout-apisix-canary-canary";
    private const string Stable = "rollout-apisix-canary-stable";

    private static string GuideRollout => SimulationInputs.Load(null, null).RolloutYaml;

    [Fact]
    public async Task The_text_report_shows_each_steps_shares_and_the_header_route_over_the_rule()
    {
        var run = await SimulateRun.StartAsync();

        Assert.Equal(0, run.ExitCode);
        // The guide's route has no weights before the rollout: APISIX reads both as 100, half each.
        Assert.Equal($"{Rule}: 50.0% canary ({Canary}), 50.0% stable ({Stable})", run.TrafficLine("before"));
        Assert.Equal($"{Rule}: 20.0% canary ({Canary}), 80.0% stable ({Stable})", run.TrafficLine("1"));
        Assert.Equal($"{Rule}: 20.0% canary ({Canary}), 80.0% stable ({Stable}); header trace=debug -> 100.0% canary", run.TrafficLine("2"));
        Assert.Equal($"{Rule}: 100.0% canary ({Canary}), 0.0% stable ({Stable}); header trace=debug -> 100.0% canary", run.TrafficLine("promote"));
        Assert.Equal($"{Rule}: 0.0% canary ({Canary}), 100.0% stable ({Stable})", run.TrafficLine("promoted"));
        Assert.True(run.Output.IndexOf("weights are canary/stable", StringComparison.Ordinal) < run.Output.IndexOf("traffic after each step", StringComparison.Ordinal)
            && run.Output.IndexOf("traffic after each step", StringComparison.Ordinal) < run.Output.IndexOf("routes before the rollout:", StringComparison.Ordinal),
            "the traffic section sits between the table and the routes");
    }

    [Fact]
    public async Task Json_steps_carry_the_shares_and_the_managed_rules_beside_the_weights_in_format_1()
    {
        var run = await SimulateRun.StartAsync("--output", "json");

        using var document = JsonDocument.Parse(run.Output);
        var root = document.RootElement;
        Assert.Equal(1, root.GetProperty("formatVersion").GetInt32());
        var before = root.GetProperty("before").GetProperty("traffic")[0];
        Assert.Equal(("default/rollouts-apisix-route", "rollouts-apisix", "split"),
            (before.GetProperty("route").GetString(), before.GetProperty("rule").GetString(), before.GetProperty("outcome").GetString()));
        Assert.Equal([(Stable, 100, 50.0m), (Canary, 100, 50.0m)], Shares(before));

        var step2 = root.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("step").GetString() == "2");
        Assert.True(step2.TryGetProperty("weights", out _), "the weights field stays");
        var traffic = step2.GetProperty("traffic")[0];
        Assert.Equal([(Stable, 80, 80.0m), (Canary, 20, 20.0m)], Shares(traffic));
        var header = traffic.GetProperty("managed").EnumerateArray().Single();
        Assert.Equal(("default/set-header", "header", "header trace=debug", 1),
            (header.GetProperty("route").GetString(), header.GetProperty("kind").GetString(), header.GetProperty("condition").GetString(), header.GetProperty("priority").GetInt32()));
        Assert.Equal([(Canary, 100, 100.0m)], Shares(header));
        Assert.Equal(JsonValueKind.Null, header.GetProperty("mirror").ValueKind);
        Assert.Equal($"20.0% canary ({Canary}), 80.0% stable ({Stable}); header trace=debug -> 100.0% canary", traffic.GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_mirror_route_keeps_the_split_and_copies_the_sampled_requests_to_the_canary_below_the_header_route()
    {
        using var folder = new SimulateRun.TempFolder();
        var rollout = GuideRollout
            .Replace("          - name: set-header\n", "          - name: set-header\n          - name: mirror-api\n", StringComparison.Ordinal)
            .Replace("""
                    - setWeight: 40
            """, """
                    - setMirrorRoute:
                        name: mirror-api
                        percentage: 25
                        match:
                          - path:
                              prefix: /api
                    - setWeight: 40
            """, StringComparison.Ordinal);
        Assert.DoesNotContain(GuideRollout, rollout, StringComparison.Ordinal);

        var run = await SimulateRun.StartAsync("--rollout", folder.Write("rollout.yaml", rollout));

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        // set-header comes first in managedRoutes, so it has the higher priority and is listed first.
        Assert.Equal($"{Rule}: 20.0% canary ({Canary}), 80.0% stable ({Stable}); header trace=debug -> 100.0% canary; " +
            @"mirror path~^\/api -> 20.0% canary, 80.0% stable, and a copy of 25.0% mirrored to " + Canary,
            run.TrafficLine("4"));
        Assert.Equal($"{Rule}: 40.0% canary ({Canary}), 60.0% stable ({Stable}); header trace=debug -> 100.0% canary; " +
            @"mirror path~^\/api -> 40.0% canary, 60.0% stable, and a copy of 25.0% mirrored to " + Canary,
            run.TrafficLine("5"));
    }

    private static (string?, int, decimal)[] Shares(JsonElement traffic) =>
        [.. traffic.GetProperty("shares").EnumerateArray().Select(s => (s.GetProperty("serviceName").GetString(), s.GetProperty("weight").GetInt32(), s.GetProperty("percent").GetDecimal()))];
}
