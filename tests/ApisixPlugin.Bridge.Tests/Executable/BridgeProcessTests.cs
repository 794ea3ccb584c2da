using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using ApisixPlugin.GoPlugin.Testing;

namespace ApisixPlugin.Bridge.Tests.Executable;

/// <summary>What the controller sees of the bridge process: stdout, stderr, signals, exit.</summary>
public sealed class BridgeProcessTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Without_the_cookie_it_says_it_is_a_plugin_and_exits_1()
    {
        await using var bridge = BridgeProcess.StartJit(["--noop"], withCookie: false);
        Assert.Equal(1, await bridge.WaitForExitAsync(Wait));
        Assert.StartsWith("This binary is a plugin.", bridge.Stderr, StringComparison.Ordinal);
        Assert.Equal("", await bridge.ReadRestOfStdoutAsync(Wait));
    }

    [Fact]
    public async Task Bad_arguments_exit_2_with_usage_on_stderr()
    {
        await using var bridge = BridgeProcess.StartJit(["--bogus"]);
        Assert.Equal(2, await bridge.WaitForExitAsync(Wait));
        Assert.Contains("Unrecognized command or argument '--bogus'", bridge.Stderr, StringComparison.Ordinal);
        Assert.Contains("Usage:", bridge.Stderr, StringComparison.Ordinal);
        Assert.Equal("", await bridge.ReadRestOfStdoutAsync(Wait));
    }

    [Fact]
    public async Task Help_goes_to_stderr_and_stdout_stays_empty()
    {
        await using var bridge = BridgeProcess.StartJit(["--help"]);
        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        Assert.Contains("--call-timeout <SECONDS>", bridge.Stderr, StringComparison.Ordinal);
        Assert.Equal("", await bridge.ReadRestOfStdoutAsync(Wait));
    }

    [Fact]
    public async Task Version_goes_to_stdout_without_the_cookie_as_three_numbers()
    {
        await using var bridge = BridgeProcess.StartJit(["--version"], withCookie: false);
        var stdout = await bridge.ReadRestOfStdoutAsync(Wait);

        // The Deploy suite checks the number against Directory.Build.props; "+<commit>" must not follow it.
        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        Assert.Matches(@"^[0-9]+\.[0-9]+\.[0-9]+\n$", stdout);
        Assert.Equal($"{ApisixPlugin.Contracts.ProgramVersion.Text}\n", stdout);
        Assert.Equal("", bridge.Stderr);
    }

    [Fact]
    public async Task A_misspelt_option_exits_2_with_its_close_match_on_stderr()
    {
        await using var bridge = BridgeProcess.StartJit(["--call-timout", "5"]);

        Assert.Equal(2, await bridge.WaitForExitAsync(Wait));
        Assert.Contains("apisix-plugin-bridge: Unrecognized command or argument '--call-timout' (did you mean --call-timeout?)", bridge.Stderr, StringComparison.Ordinal);
        Assert.Equal("", await bridge.ReadRestOfStdoutAsync(Wait));
    }

    [Fact]
    public async Task At_log_level_error_from_the_environment_the_info_lines_are_left_out()
    {
        await using var bridge = BridgeProcess.StartJit(["--noop"], environment: new Dictionary<string, string> { ["APISIX_PLUGIN_BRIDGE_LOG_LEVEL"] = "error" });
        var line = await bridge.ReadFirstLineAsync(Wait);
        Assert.Matches(@"^1\|1\|unix\|", line);

        // SIGTERM once the handshake line is out; the serving line (info) is logged before the
        // bridge waits, so at info it would be on stderr by the exit.
        bridge.Signal(PosixSignal.SIGTERM);

        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        Assert.Equal("", bridge.Stderr);
    }

    [Fact]
    public async Task At_the_default_log_level_the_serving_line_names_the_version()
    {
        await using var bridge = BridgeProcess.StartJit(["--noop"]);
        await bridge.ReadFirstLineAsync(Wait);

        bridge.Signal(PosixSignal.SIGTERM);

        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        var serving = bridge.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Single(l => l.GetProperty("@message").GetString() == "apisix plugin bridge serving");
        Assert.Equal("info", serving.GetProperty("@level").GetString());
        Assert.Equal(ApisixPlugin.Contracts.ProgramVersion.Text, serving.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Handshake_line_first_SIGINT_ignored_Quit_exits_within_2_seconds()
    {
        await using var bridge = BridgeProcess.StartJit(["--noop"]);
        var line = await bridge.ReadFirstLineAsync(Wait);
        var match = Regex.Match(line, @"^1\|1\|unix\|(/[^|]+)\|netrpc$");
        Assert.True(match.Success, $"handshake line was '{line}'");

        bridge.Signal(PosixSignal.SIGINT);
        await bridge.WaitForStderrAsync("interrupt signal ignored", Wait);
        Assert.False(bridge.HasExited, "SIGINT ended the bridge");

        await using var client = await TestPluginClient.ConnectAsync(match.Groups[1].Value);
        await client.OpenAsync(1);
        await client.OpenAsync(3);
        await client.OpenAsync(5);
        var control = client.Decoder(1);
        await client.CallAsync(1, "Control.Ping", 0, TestPluginClient.TrueArgument);
        Assert.Equal("Control.Ping", (await Task.Run(control.DecodeNext).WaitAsync(Wait))!.Field("ServiceMethod")!.AsString());
        await Task.Run(control.DecodeNext).WaitAsync(Wait);

        var quitAt = Stopwatch.StartNew();
        await client.CallAsync(1, "Control.Quit", 1, TestPluginClient.TrueArgument);
        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        Assert.True(quitAt.Elapsed < TimeSpan.FromSeconds(2), $"exit took {quitAt.Elapsed}");
        Assert.Equal("", await bridge.ReadRestOfStdoutAsync(Wait)); // nothing after the handshake
        var stderrLines = bridge.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(stderrLines);
        Assert.All(stderrLines, l => Assert.True(JsonDocument.Parse(l).RootElement.TryGetProperty("@level", out _), l));
    }
}
