using System.Buffers.Binary;
using System.Text.RegularExpressions;
using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Testing;
using ApisixPlugin.GoPlugin.Yamux;
using Xunit.Abstractions;

namespace ApisixPlugin.Bridge.Tests.Executable;

/// <summary>
/// The bridge process under a container-like heap limit (96 MiB): hostile input is answered
/// within bounded memory. A plugin stream it breaks ends the connection, for the host to start the
/// plugin again; a ping flood ends nothing, and a valid call is answered afterwards. Each test prints
/// the bridge's resident memory before and its peak after (VmRSS, VmHWM).
/// </summary>
public sealed class BridgeHostileInputTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    // The JIT runtime reads 0x-prefixed hex; NativeAOT would want the bare digits (6000000).
    private static readonly Dictionary<string, string> HeapLimit = new() { ["DOTNET_GCHeapHardLimit"] = "0x6000000" };

    [Fact]
    public async Task Eight_MiB_of_gob_built_to_blow_up_is_answered_with_the_limit_and_the_bridge_ends_the_connection_for_the_host_to_restart()
    {
        await using var bridge = BridgeProcess.StartJit(["--noop"], environment: HeapLimit);
        await using var client = await ConnectAsync(bridge);
        var control = client.Decoder(1);
        var hostileStream = await OpenPluginStreamAsync(client, control, 7, 0);
        var before = bridge.StatusKiB("VmRSS");

        // type S struct{ A int }; []S of 2.8 million three-byte elements: 8 MiB that used to
        // decode to 1.7 GB and end in an OutOfMemoryException under this limit.
        const int count = 8 * 1024 * 1024 / 3;
        var hostile = GobBytes.ManySmallStructs(70, count);
        await client.CallAsync(hostileStream, "Plugin.SetWeight", 0, hostile);
        var plugin = client.Decoder(hostileStream);
        var header = await Task.Run(plugin.DecodeNext).WaitAsync(Wait);
        if (header is null)
        {
            // The stream ended without an answer: the bridge most likely died.
            string exit;
            try
            {
                exit = $"exited with {await bridge.WaitForExitAsync(TimeSpan.FromSeconds(10))}";
            }
            catch (OperationCanceledException)
            {
                exit = "still running";
            }
            Assert.Fail($"no answer; bridge {exit}; stderr ends: {Tail(bridge.Stderr)}");
        }
        // Read at once: the bridge ends soon after it answers, and its /proc entry goes with it.
        var peak = TryStatusKiB(bridge, "VmHWM");
        Assert.Contains("value would decode to more than", header!.Field("Error")!.AsString(), StringComparison.Ordinal);
        await Task.Run(plugin.DecodeNext).WaitAsync(Wait); // the body Go's client expects
        Assert.Null(await Task.Run(plugin.DecodeNext).WaitAsync(Wait)); // then the stream's reset
        output.WriteLine($"8 MiB hostile gob: VmRSS before {before} KiB, VmHWM after {peak?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(exited before it was read)"} KiB");

        // Go's net/rpc client is shut down for good by that reset, and argo-rollouts keeps the
        // plugin while Control.Ping answers. So the bridge ends the whole connection: the host's
        // next Ping fails, and it starts the plugin again.
        Assert.Null(await Task.Run(control.DecodeNext).WaitAsync(Wait));
        await bridge.WaitForExitAsync(Wait);
        Assert.Contains("plugin stream failed; closing the connection so the host starts the plugin again", bridge.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_million_pings_from_a_peer_that_reads_nothing_leave_the_bridge_answering()
    {
        await using var bridge = BridgeProcess.StartJit(["--noop"], environment: HeapLimit);
        await using var client = await ConnectAsync(bridge);
        var control = client.Decoder(1);
        await PingAsync(client, control, 0);
        var before = bridge.StatusKiB("VmRSS");

        const int pings = 1_000_000;
        var flood = new byte[pings * YamuxHeader.Size];
        for (var i = 0; i < pings; i++)
        {
            YamuxHeader.Create(YamuxFrameType.Ping, YamuxFlags.Syn, 0, (uint)i).WriteTo(flood.AsSpan(i * YamuxHeader.Size));
        }
        client.PauseReading();
        await client.WriteFramesAsync(flood).AsTask().WaitAsync(Wait);
        // Everything up to here was read by the bridge; this call is answered once we read again.
        await client.CallAsync(1, "Control.Ping", 1, TestPluginClient.TrueArgument);
        client.ResumeReading();
        var (header, _) = await ReadAsync(control);
        Assert.Equal(1UL, header.Field("Seq")!.AsUint64());
        var peak = bridge.StatusKiB("VmHWM");
        output.WriteLine($"1,000,000 unread pings: VmRSS before {before} KiB, VmHWM after {peak} KiB");
        Assert.False(bridge.HasExited);
        // Answers to dropped pings are never queued: the flood costs next to nothing.
        Assert.True(peak - before < 24 * 1024, $"resident memory grew from {before} to {peak} KiB");
    }

    /// <summary>Connected as the controller is (BridgeProcess drains stderr, so logging never blocks the bridge).</summary>
    private static async Task<TestPluginClient> ConnectAsync(BridgeProcess bridge)
    {
        var line = await bridge.ReadFirstLineAsync(Wait);
        var match = Regex.Match(line, @"^1\|1\|unix\|(/[^|]+)\|netrpc$");
        Assert.True(match.Success, $"handshake line was '{line}'");
        var client = await TestPluginClient.ConnectAsync(match.Groups[1].Value);
        await client.OpenAsync(1);
        await client.OpenAsync(3);
        await client.OpenAsync(5);
        return client;
    }

    private static long? TryStatusKiB(BridgeProcess bridge, string field)
    {
        try
        {
            return bridge.StatusKiB(field);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Tail(string text) => text.Length <= 600 ? text : text[^600..];

    private static async Task PingAsync(TestPluginClient client, GobStreamDecoder control, ulong seq)
    {
        await client.CallAsync(1, "Control.Ping", seq, TestPluginClient.TrueArgument);
        var (header, _) = await ReadAsync(control);
        Assert.Null(header.Field("Error"));
    }

    /// <summary>Dispense, then the broker stream with its id, as go-plugin's client does.</summary>
    private static async Task<uint> OpenPluginStreamAsync(TestPluginClient client, GobStreamDecoder control, uint stream, ulong seq)
    {
        await client.CallAsync(1, "Dispenser.Dispense", seq, TestPluginClient.StringArgument("RpcTrafficRouterPlugin"));
        var (header, body) = await ReadAsync(control);
        Assert.Null(header.Field("Error"));
        var idBytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(idBytes, (uint)body.AsUint64());
        await client.OpenAsync(stream);
        await client.SendRawAsync(stream, idBytes);
        var echo = new byte[4];
        await client.Inbound(stream).ReadExactlyAsync(echo).AsTask().WaitAsync(Wait);
        Assert.Equal(idBytes, echo);
        return stream;
    }

    private static async Task<(GobValue Header, GobValue Body)> ReadAsync(GobStreamDecoder decoder)
    {
        var header = await Task.Run(decoder.DecodeNext).WaitAsync(Wait);
        var body = await Task.Run(decoder.DecodeNext).WaitAsync(Wait);
        return (header!, body!);
    }
}
