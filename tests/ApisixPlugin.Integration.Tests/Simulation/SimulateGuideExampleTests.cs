using System.Diagnostics;
using System.Runtime.CompilerServices;
using ApisixPlugin.Sidecar.Simulation;

namespace ApisixPlugin.Integration.Tests.Simulation;

/// <summary>
/// <c>simulate</c> on the embedded guide example (deploy/examples): the four weight steps, the
/// header route, promotion, and the whole output against a reviewed golden file.
/// </summary>
public sealed class SimulateGuideExampleTests
{
    private const string Route = "default/rollouts-apisix-route";
    private const string Canary = "rollout-apisix-canary-canary";
    private const string Stable = "rollout-apisix-canary-stable";

    [Fact]
    public async Task The_four_weight_steps_shift_traffic_in_order_and_the_run_succeeds()
    {
        var run = await SimulateRun.StartAsync();

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
        (string Header, long Canary, long Stable)[] expected =
        [
            ("step 1: setWeight 20", 20, 80),
            ("step 4: setWeight 40", 40, 60),
            ("step 6: setWeight 60", 60, 40),
            ("step 8: setWeight 80", 80, 20),
        ];
        var positions = expected.Select(e => run.Output.IndexOf(e.Header + "\n", StringComparison.Ordinal)).ToArray();
        Assert.All(positions, p => Assert.True(p >= 0, run.Output));
        Assert.Equal(positions.Order(), positions);
        foreach (var (header, canary, stable) in expected)
        {
            var section = run.Section(header);
            Assert.Contains("VerifyWeight(", section, StringComparison.Ordinal);
            Assert.Contains(": verified", section, StringComparison.Ordinal);
            var weights = SimulateRun.Weights(SimulateRun.PrintedRoute(section, Route));
            Assert.Equal(canary, weights[Canary]);
            Assert.Equal(stable, weights[Stable]);
        }
    }

    [Fact]
    public async Task Pauses_are_skipped_and_change_nothing()
    {
        var run = await SimulateRun.StartAsync();

        var pause = run.Section("step 3: pause");
        Assert.Contains("skipped", pause, StringComparison.Ordinal);
        Assert.Contains("no ApisixRoute changed", pause, StringComparison.Ordinal);
        Assert.DoesNotContain("Weight(", pause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promotion_gives_the_canary_all_traffic_then_removes_the_header_route_and_returns_the_weight_to_stable()
    {
        var run = await SimulateRun.StartAsync();

        var full = run.Sections().Single(s => s.StartsWith("promote: all steps done", StringComparison.Ordinal));
        var atFull = SimulateRun.Weights(SimulateRun.PrintedRoute(full, Route));
        Assert.Equal(100, atFull[Canary]);
        Assert.Equal(0, atFull[Stable]);

        var promoted = run.Sections().Single(s => s.StartsWith("promoted: the canary is the stable", StringComparison.Ordinal));
        Assert.True(promoted.IndexOf("RemoveManagedRoutes", StringComparison.Ordinal) < promoted.IndexOf("SetWeight(0)", StringComparison.Ordinal));
        var after = SimulateRun.Weights(SimulateRun.PrintedRoute(promoted, Route));
        Assert.Equal(0, after[Canary]);
        Assert.Equal(100, after[Stable]);
    }

    [Fact]
    public async Task The_output_matches_the_golden_file() =>
        await AssertGoldenAsync("guide-example.txt");

    [Fact]
    public async Task The_diff_output_matches_the_golden_file() =>
        await AssertGoldenAsync("guide-example.diff.txt", "--diff");

    [Fact]
    public async Task Two_runs_print_the_same_bytes()
    {
        var first = await SimulateRun.StartAsync();
        var second = await SimulateRun.StartAsync();

        Assert.Equal(first.Output, second.Output);
    }

    /// <summary>The program itself, started from a folder without deploy/examples, prints what the in-process run prints.</summary>
    [Fact]
    public async Task The_program_runs_the_embedded_example_from_any_folder()
    {
        using var folder = new SimulateRun.TempFolder();
        var program = typeof(SimulateCommand).Assembly.Location;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = folder.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(program);
        start.ArgumentList.Add("simulate");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

        var inProcess = await SimulateRun.StartAsync();
        Assert.True(process.ExitCode == 0, await stderr);
        Assert.Equal(inProcess.Output, await stdout);
    }

    private static async Task AssertGoldenAsync(string file, params string[] args)
    {
        var run = await SimulateRun.StartAsync(args);
        Assert.Equal(0, run.ExitCode);

        var path = Path.Combine(ExpectedFolder(), file);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            await File.WriteAllTextAsync(path, run.Output);
        }

        Assert.True(File.Exists(path), $"{path} is missing; run UPDATE_GOLDEN=1 dotnet test, then review it");
        Assert.Equal(await File.ReadAllTextAsync(path), run.Output);
    }

    /// <summary>The checked-in expected files, next to this source file (read from the source tree, not the build output).</summary>
    private static string ExpectedFolder([CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "Expected");
}
