using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using ApisixPlugin.Bridge.GoClient.Tests.Support;
using ApisixPlugin.GoPlugin.Testing;

namespace ApisixPlugin.Bridge.GoClient.Tests.Protocol;

/// <summary>Process-level contract: cookie, the handshake line, Control.Ping and Quit, SIGINT.</summary>
[Collection(PeerCollection.Name)]
public sealed partial class HandshakeTests(PeerBinaries peers)
{
    [GeneratedRegex(@"^1\|1\|(unix|tcp)\|([^|]+)\|netrpc(\|)?$")]
    private static partial Regex HandshakeLine();

    [Fact]
    public async Task Without_the_magic_cookie_the_bridge_says_it_is_a_plugin_and_exits_1()
    {
        await using var bridge = BridgeProcess.Start(peers.Bridge, ["--noop"], withCookie: false);

        var exitCode = await bridge.WaitForExitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, exitCode);
        Assert.Contains("This binary is a plugin", bridge.Stderr, StringComparison.Ordinal);
        Assert.Equal("", await bridge.ReadRestOfStdoutAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task The_first_stdout_output_is_the_handshake_line_naming_a_listening_socket_and_nothing_follows()
    {
        await using var bridge = BridgeProcess.Start(peers.Bridge, ["--noop"]);

        var line = await bridge.ReadFirstLineAsync(TimeSpan.FromSeconds(10));

        var match = HandshakeLine().Match(line);
        Assert.True(match.Success, $"not a go-plugin netrpc handshake line: '{line}'");
        if (match.Groups[1].Value == "unix")
        {
            Assert.True(File.Exists(match.Groups[2].Value), $"socket {match.Groups[2].Value} does not exist");
        }
        Assert.Equal("", await bridge.ReadRestOfStdoutAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task The_real_go_plugin_client_connects_dispenses_gets_the_type_pings_and_quits_the_bridge_within_2_seconds()
    {
        var run = await ControllerRun.StartAsync(peers.Go, peers.Bridge, [], ["--noop"], ControllerRun.TypeOnly());

        var kill = run.AssertTypedPingedAndLeftByItself();
        Assert.True(kill.GetProperty("elapsedMs").GetDouble() < 2000, run.Process.Describe());
    }

    [Fact]
    public async Task Sigint_is_ignored_and_the_bridge_keeps_serving()
    {
        await using var bridge = BridgeProcess.Start(peers.Bridge, ["--noop"]);
        await bridge.ReadFirstLineAsync(TimeSpan.FromSeconds(10));

        bridge.Signal(PosixSignal.SIGINT);
        await bridge.WaitForStderrAsync("interrupt signal ignored", TimeSpan.FromSeconds(10));

        Assert.False(bridge.HasExited, $"the bridge exited on SIGINT; stderr:\n{bridge.Stderr}");
    }

    [Fact]
    public async Task Stderr_lines_are_hclog_json_with_level_message_and_timestamp()
    {
        var stderrFile = Path.Combine(Path.GetTempPath(), $"bridge-stderr-{Guid.NewGuid():N}.log");
        try
        {
            var run = await ControllerRun.StartAsync(peers.Go, peers.Bridge, ["-plugin-stderr", stderrFile], ["--noop"]);
            Assert.Equal(0, run.Process.ExitCode);

            var lines = File.ReadAllLines(stderrFile).Where(l => l.Length > 0).ToList();
            Assert.NotEmpty(lines);
            foreach (var line in lines)
            {
                using var json = System.Text.Json.JsonDocument.Parse(line);
                Assert.True(json.RootElement.TryGetProperty("@level", out _), line);
                Assert.True(json.RootElement.TryGetProperty("@message", out _), line);
                Assert.True(json.RootElement.TryGetProperty("@timestamp", out _), line);
            }
        }
        finally
        {
            File.Delete(stderrFile);
        }
    }
}
