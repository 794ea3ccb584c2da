using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using ApisixPlugin.Bridge.Tests.Support;
using ApisixPlugin.GoPlugin.Testing;

namespace ApisixPlugin.Bridge.Tests.Executable;

/// <summary>What the controller sees of the bridge process: stdout, stderr, signals, exit.</summary>
public sealed class BridgeProcessTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Without_the_cookie_it_says_it_is_a_plugin_and_exits_1()
    {
        using var bridge = BridgeProcess.Start(withCookie: false, "--noop");
        var stdout = bridge.Process.StandardOutput.ReadToEndAsync();
        var stderr = bridge.Process.StandardError.ReadToEndAsync();
        await bridge.Process.WaitForExitAsync().WaitAsync(Wait);
        Assert.Equal(1, bridge.Process.ExitCode);
        Assert.StartsWith("This binary is a plugin.", await stderr, StringComparison.Ordinal);
        Assert.Equal("", await stdout);
    }

    [Fact]
    public async Task Bad_arguments_exit_2_with_usage_on_stderr()
    {
        using var bridge = BridgeProcess.Start(withCookie: true, "--bogus");
        var stdout = bridge.Process.StandardOutput.ReadToEndAsync();
        var stderr = await bridge.Process.StandardError.ReadToEndAsync().WaitAsync(Wait);
        await bridge.Process.WaitForExitAsync().WaitAsync(Wait);
        Assert.Equal(2, bridge.Process.ExitCode);
        Assert.Contains("Unrecognized command or argument '--bogus'", stderr, StringComparison.Ordinal);
        Assert.Contains("Usage:", stderr, StringComparison.Ordinal);
        Assert.Equal("", await stdout);
    }

    [Fact]
    public async Task Help_goes_to_stderr_and_stdout_stays_empty()
    {
        using var bridge = BridgeProcess.Start(withCookie: true, "--help");
        var stdout = bridge.Process.StandardOutput.ReadToEndAsync();
        var stderr = await bridge.Process.StandardError.ReadToEndAsync().WaitAsync(Wait);
        await bridge.Process.WaitForExitAsync().WaitAsync(Wait);
        Assert.Equal(0, bridge.Process.ExitCode);
        Assert.Contains("--call-timeout <SECONDS>", stderr, StringComparison.Ordinal);
        Assert.Equal("", await stdout);
    }

    [Fact]
    public async Task Version_goes_to_stdout_without_the_cookie_as_three_numbers()
    {
        using var bridge = BridgeProcess.Start(withCookie: false, "--version");
        var stdout = await bridge.Process.StandardOutput.ReadToEndAsync().WaitAsync(Wait);
        var stderr = await bridge.Process.StandardError.ReadToEndAsync().WaitAsync(Wait);
        await bridge.Process.WaitForExitAsync().WaitAsync(Wait);

        // The Deploy suite checks the number against Directory.Build.props; "+<commit>" must not follow it.
        Assert.Equal(0, bridge.Process.ExitCode);
        Assert.Matches(@"^[0-9]+\.[0-9]+\.[0-9]+\n$", stdout);
        Assert.Equal($"{ApisixPlugin.Contracts.ProgramVersion.Text}\n", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task A_misspelt_option_exits_2_with_its_close_match_on_stderr()
    {
        using var bridge = BridgeProcess.Start(withCookie: true, "--call-timout", "5");
        var stdout = bridge.Process.StandardOutput.ReadToEndAsync();
        var stderr = await bridge.Process.StandardError.ReadToEndAsync().WaitAsync(Wait);
        await bridge.Process.WaitForExitAsync().WaitAsync(Wait);

        Assert.Equal(2, bridge.Process.ExitCode);
        Assert.Contains("apisix-plugin-bridge: Unrecognized command or argument '--call-timout' (did you mean --call-timeout?)", stderr, StringComparison.Ordinal);
        Assert.Equal("", await stdout);
    }

    [Fact]
    public async Task At_log_level_error_from_the_environment_the_info_lines_are_left_out()
    {
        using var bridge = BridgeProcess.Start(withCookie: true, new Dictionary<string, string> { ["APISIX_PLUGIN_BRIDGE_LOG_LEVEL"] = "error" }, "--noop");
        var line = await bridge.Process.StandardOutput.ReadLineAsync().WaitAsync(Wait);
        Assert.Matches(@"^1\|1\|unix\|", line);
        var stderr = bridge.Process.StandardError.ReadToEndAsync();

        // SIGTERM once the handshake line is out; the serving line (info) is logged before the
        // bridge waits, so at info it would be on stderr by the exit.
        Assert.Equal(0, Kill(bridge.Process.Id, 15));
        await bridge.Process.WaitForExitAsync().WaitAsync(Wait);

        Assert.Equal(0, bridge.Process.ExitCode);
        Assert.Equal("", await stderr.WaitAsync(Wait));
    }

    [Fact]
    public async Task At_the_default_log_level_the_serving_line_names_the_version()
    {
        using var bridge = BridgeProcess.Start(withCookie: true, "--noop");
        await bridge.Process.StandardOutput.ReadLineAsync().WaitAsync(Wait);
        var stderr = bridge.Process.StandardError.ReadToEndAsync();

        Assert.Equal(0, Kill(bridge.Process.Id, 15));
        await bridge.Process.WaitForExitAsync().WaitAsync(Wait);

        Assert.Equal(0, bridge.Process.ExitCode);
        var serving = (await stderr.WaitAsync(Wait)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Single(l => l.GetProperty("@message").GetString() == "apisix plugin bridge serving");
        Assert.Equal("info", serving.GetProperty("@level").GetString());
        Assert.Equal(ApisixPlugin.Contracts.ProgramVersion.Text, serving.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Handshake_line_first_SIGINT_ignored_Quit_exits_within_2_seconds()
    {
        using var bridge = BridgeProcess.Start(withCookie: true, "--noop");
        var line = await bridge.Process.StandardOutput.ReadLineAsync().WaitAsync(Wait);
        var match = Regex.Match(line!, @"^1\|1\|unix\|(/[^|]+)\|netrpc$");
        Assert.True(match.Success, $"handshake line was '{line}'");
        var stderrLines = new List<string>();
        bridge.Process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderrLines) { stderrLines.Add(e.Data); } } };
        bridge.Process.BeginErrorReadLine();

        Assert.Equal(0, Kill(bridge.Process.Id, 2)); // SIGINT
        await WaitForLineAsync(stderrLines, "interrupt signal ignored");
        Assert.False(bridge.Process.HasExited, "SIGINT ended the bridge");

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
        await bridge.Process.WaitForExitAsync().WaitAsync(Wait);
        Assert.True(quitAt.Elapsed < TimeSpan.FromSeconds(2), $"exit took {quitAt.Elapsed}");
        Assert.Equal(0, bridge.Process.ExitCode);
        Assert.Equal("", await bridge.Process.StandardOutput.ReadToEndAsync()); // nothing after the handshake
        lock (stderrLines)
        {
            Assert.NotEmpty(stderrLines);
            Assert.All(stderrLines, l => Assert.True(JsonDocument.Parse(l).RootElement.TryGetProperty("@level", out _), l));
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Waits, within <see cref="Wait"/>, for a stderr line containing <paramref name="text"/>.</summary>
    private static async Task WaitForLineAsync(List<string> lines, string text)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            lock (lines)
            {
                if (lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }

                Assert.True(DateTime.UtcNow < deadline, $"no stderr line with '{text}' within {Wait.TotalSeconds} s; stderr:\n{string.Join('\n', lines)}");
            }

            await Task.Delay(10);
        }
    }
}
