using System.Text.Json;
using ApisixPlugin.Sidecar.Simulation;

namespace ApisixPlugin.Integration.Tests.Simulation;

/// <summary>
/// What <c>simulate</c> shows at a glance and hands to a pipeline: the step table, the JSON
/// document, experiment steps replayed as the controller calls them, and an abort.
/// </summary>
public sealed class SimulateReportTests
{
    private const string RuleColumn = "default/rollouts-apisix-route rollouts-apisix";

    private static string GuideRollout => SimulationInputs.Load(null, null).RolloutYaml;

    [Fact]
    public async Task The_table_reads_the_guides_rollout_at_a_glance()
    {
        var run = await SimulateRun.StartAsync();

        var table = Table(run.Output);
        Assert.Equal(["step", "what", "calls", "outcome", RuleColumn, "managed routes"], table.Header);
        (string Step, string What, string Weights, string Managed)[] expected =
        [
            ("before", "", "100*/100*", ""),
            ("init", "start", "100*/100*", ""),
            ("1", "setWeight 20", "20/80", ""),
            ("2", "setHeaderRoute set-header", "20/80", "+set-header"),
            ("3", "pause", "20/80", "set-header"),
            ("4", "setWeight 40", "40/60", "set-header"),
            ("5", "pause 15", "40/60", "set-header"),
            ("6", "setWeight 60", "60/40", "set-header"),
            ("7", "pause 15", "60/40", "set-header"),
            ("8", "setWeight 80", "80/20", "set-header"),
            ("9", "pause 15", "80/20", "set-header"),
            ("promote", "all steps done", "100/0", "set-header"),
            ("promoted", "canary is stable now", "0/100", "-set-header"),
        ];
        Assert.Equal(expected, table.Rows.Select(r => (r["step"], r["what"], r[RuleColumn], r["managed routes"])));
        Assert.Equal("SetWeight(20), VerifyWeight(20)", table.Rows[2]["calls"]);
        Assert.Equal("skipped", table.Rows[4]["outcome"]);
        Assert.Equal("RemoveManagedRoutes, SetWeight(0), VerifyWeight(0)", table.Rows[^1]["calls"]);
        Assert.True(run.Output.IndexOf("step      what", StringComparison.Ordinal) < run.Output.IndexOf("apiVersion:", StringComparison.Ordinal),
            "the table comes before any route");
    }

    [Fact]
    public async Task Json_output_is_one_document_with_steps_calls_weights_and_routes()
    {
        var run = await SimulateRun.StartAsync("--output", "json");

        Assert.Equal(0, run.ExitCode);
        using var document = JsonDocument.Parse(run.Output);
        var root = document.RootElement;
        Assert.Equal(JsonReport.FormatVersion, root.GetProperty("formatVersion").GetInt32());
        Assert.Equal("rollouts-demo", root.GetProperty("rollout").GetProperty("name").GetString());
        var steps = root.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["init", "1", "2", "3", "4", "5", "6", "7", "8", "9", "promote", "promoted"], steps.Select(s => s.GetProperty("step").GetString()));

        var step1 = steps[1];
        Assert.Equal("setWeight", step1.GetProperty("kind").GetString());
        Assert.Equal("ok", step1.GetProperty("outcome").GetString());
        Assert.Equal(["SetWeight", "VerifyWeight"], step1.GetProperty("calls").EnumerateArray().Select(c => c.GetProperty("method").GetString()));
        Assert.Equal("verified", step1.GetProperty("calls")[1].GetProperty("outcome").GetString());
        var weights = step1.GetProperty("weights")[0];
        Assert.Equal("default/rollouts-apisix-route", weights.GetProperty("route").GetString());
        Assert.Equal("rollouts-apisix", weights.GetProperty("rule").GetString());
        Assert.Equal([("rollout-apisix-canary-stable", "stable", 80), ("rollout-apisix-canary-canary", "canary", 20)],
            weights.GetProperty("backends").EnumerateArray().Select(b => (b.GetProperty("serviceName").GetString(), b.GetProperty("role").GetString(), b.GetProperty("weight").GetInt32())));
        var route = step1.GetProperty("routes").EnumerateArray().Single();
        Assert.False(route.GetProperty("metadata").TryGetProperty("resourceVersion", out _));
        Assert.Equal(20, route.GetProperty("spec").GetProperty("http")[0].GetProperty("backends")[1].GetProperty("weight").GetInt32());

        Assert.Equal("created", steps[2].GetProperty("managedRoutes")[0].GetProperty("change").GetString());
        Assert.Equal("deleted", steps[^1].GetProperty("managedRoutes")[0].GetProperty("change").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("before").GetProperty("weights")[0].GetProperty("backends")[0].GetProperty("weight").ValueKind);
        var result = root.GetProperty("result");
        Assert.True(result.GetProperty("succeeded").GetBoolean());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("failedStep").ValueKind);
    }

    [Fact]
    public async Task Json_output_of_a_failed_replay_is_still_one_document_and_names_the_step()
    {
        using var folder = new SimulateRun.TempFolder();
        var typo = GuideRollout.Replace("              rules:\n", "              rulez:\n", StringComparison.Ordinal);

        var run = await SimulateRun.StartAsync("--output", "json", "--rollout", folder.Write("rollout.yaml", typo));

        Assert.Equal(1, run.ExitCode);
        using var document = JsonDocument.Parse(run.Output);
        var result = document.RootElement.GetProperty("result");
        Assert.False(result.GetProperty("succeeded").GetBoolean());
        Assert.Equal("1", result.GetProperty("failedStep").GetString());
        var failed = document.RootElement.GetProperty("steps").EnumerateArray().Last();
        Assert.Equal("FAILED", failed.GetProperty("outcome").GetString());
        Assert.Contains("unknown field(s) 'rulez'", failed.GetProperty("calls")[0].GetProperty("outcome").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_experiment_step_with_weights_adds_its_templates_as_backends_and_the_next_step_removes_them()
    {
        using var folder = new SimulateRun.TempFolder();
        var rollout = GuideRollout.Replace("""
                    - setWeight: 40
            """, """
                    - experiment:
                        duration: 5m
                        templates:
                          - name: preview
                            specRef: canary
                            weight: 10
                            service:
                              name: shop-preview
                          - name: baseline
                            specRef: stable
                            weight: 5
                    - setWeight: 40
            """, StringComparison.Ordinal);
        Assert.NotEqual(GuideRollout, rollout);

        var run = await SimulateRun.StartAsync("--rollout", folder.Write("rollout.yaml", rollout));

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var experiment = run.Section("step 4: experiment preview=10, baseline=5");
        Assert.Contains("  SetWeight(20, shop-preview=10, rollouts-demo-baseline=5): 1 route written", experiment, StringComparison.Ordinal);
        Assert.Contains("  VerifyWeight(20, shop-preview=10, rollouts-demo-baseline=5): verified", experiment, StringComparison.Ordinal);
        Assert.Contains("template 'baseline' has no service.name", experiment, StringComparison.Ordinal);
        var during = SimulateRun.Weights(SimulateRun.PrintedRoute(experiment, "default/rollouts-apisix-route"));
        Assert.Equal(new Dictionary<string, long>
        {
            ["rollout-apisix-canary-stable"] = 65,
            ["rollout-apisix-canary-canary"] = 20,
            ["shop-preview"] = 10,
            ["rollouts-demo-baseline"] = 5,
        }, during);

        var after = SimulateRun.Weights(SimulateRun.PrintedRoute(run.Section("step 5: setWeight 40"), "default/rollouts-apisix-route"));
        Assert.Equal(["rollout-apisix-canary-canary", "rollout-apisix-canary-stable"], after.Keys.Order());
        var row = Table(run.Output).Rows.Single(r => r["step"] == "4");
        Assert.Equal("20/65 +shop-preview:10 +rollouts-demo-baseline:5", row[RuleColumn]);
        Assert.Equal("default/rollouts-apisix-route rule rollouts-apisix: 20.0% canary (rollout-apisix-canary-canary), 65.0% stable (rollout-apisix-canary-stable), " +
            "10.0% shop-preview, 5.0% rollouts-demo-baseline; header trace=debug -> 100.0% canary", run.TrafficLine("4"));
    }

    [Fact]
    public async Task Abort_at_a_step_removes_the_managed_routes_returns_all_traffic_to_stable_and_does_not_promote()
    {
        var run = await SimulateRun.StartAsync("--abort-at", "4");

        Assert.Equal(0, run.ExitCode);
        var rows = Table(run.Output).Rows;
        Assert.Equal(["before", "init", "1", "2", "3", "4", "abort"], rows.Select(r => r["step"]));
        Assert.Equal("RemoveManagedRoutes, SetWeight(0), VerifyWeight(0)", rows[^1]["calls"]);
        Assert.Equal("0/100", rows[^1][RuleColumn]);
        Assert.Equal("-set-header", rows[^1]["managed routes"]);
        Assert.Contains("  deleted default/set-header", run.Section("abort: aborted after this step: the managed routes go and all traffic returns to stable"), StringComparison.Ordinal);
        Assert.DoesNotContain("promote", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("10")]
    public async Task Abort_at_a_step_the_Rollout_does_not_have_names_the_range(string step)
    {
        var run = await SimulateRun.StartAsync("--abort-at", step);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"--abort-at {step}: (built-in) deploy/examples/rollout.yaml has 9 steps, so it must be 1 to 9", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task A_folder_or_a_missing_file_is_named_as_such()
    {
        using var folder = new SimulateRun.TempFolder();
        var missing = Path.Combine(folder.Path, "nope.yaml");

        var asFolder = await SimulateRun.StartAsync("--routes", folder.Path);
        var asMissing = await SimulateRun.StartAsync("--rollout", missing);

        Assert.Equal(1, asFolder.ExitCode);
        Assert.Equal($"simulate: {folder.Path}: is a folder; name a YAML file\n", asFolder.Error);
        Assert.Equal(1, asMissing.ExitCode);
        Assert.Equal($"simulate: {missing}: no such file\n", asMissing.Error);
    }

    /// <summary>The table at the top of the text report: its header and rows, cells cut at the header's column starts.</summary>
    private static (string[] Header, List<Dictionary<string, string>> Rows) Table(string output)
    {
        var lines = output.Split('\n').SkipWhile(l => !l.StartsWith("step ", StringComparison.Ordinal)).TakeWhile(l => !l.StartsWith("weights are", StringComparison.Ordinal)).ToList();
        var headerLine = lines[0];
        var names = new List<string>();
        var starts = new List<int>();
        for (var i = 0; i < headerLine.Length;)
        {
            var end = headerLine.IndexOf("  ", i, StringComparison.Ordinal);
            end = end < 0 ? headerLine.Length : end;
            names.Add(headerLine[i..end]);
            starts.Add(i);
            i = end;
            while (i < headerLine.Length && headerLine[i] == ' ')
            {
                i++;
            }
        }

        var rows = lines.Skip(1).Select(line => names.Select((name, k) =>
        {
            var from = Math.Min(starts[k], line.Length);
            var to = k + 1 < starts.Count ? Math.Min(starts[k + 1], line.Length) : line.Length;
            return (name, line[from..to].Trim());
        }).ToDictionary(p => p.name, p => p.Item2)).ToList();
        return ([.. names], rows);
    }
}
