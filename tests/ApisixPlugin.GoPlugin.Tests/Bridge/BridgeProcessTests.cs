using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using ApisixPlugin.GoPlugin.Tests.Support;

namespace ApisixPlugin.GoPlugin.Tests.Bridge;

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
