using System.Buffers.Binary;
using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.NetRpc;
using ApisixPlugin.GoPlugin.Plugin;
using ApisixPlugin.GoPlugin.Testing;

namespace ApisixPlugin.GoPlugin.Tests.Plugin;

/// <summary>go-plugin's sequence against the in-process server: control, dispense, broker, Plugin calls, Quit.</summary>
public sealed class GoPluginServerTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TaskCompletionSource _quit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private GoPluginServer _server = null!;
    private TestPluginClient _client = null!;

    private readonly SlowAndFastService _service = new();

    /// <summary>A Plugin service for the test: "Slow" answers once the test releases it, "Fast" at once.</summary>
    private sealed class SlowAndFastService : INetRpcService
    {
        public TaskCompletionSource ReleaseSlow { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource SlowStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource SlowCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<NetRpcReply> InvokeAsync(string serviceMethod, GobValue argument, CancellationToken cancellationToken)
        {
            if (serviceMethod == "Plugin.Slow")
            {
                SlowStarted.TrySetResult();
                try
                {
                    await ReleaseSlow.Task.WaitAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    SlowCancelled.TrySetResult();
                    throw;
                }

                return NetRpcReply.RpcError("slow");
            }
            return serviceMethod == "Plugin.Fast" ? NetRpcReply.RpcError("fast") : NetRpcErrors.UnknownMethod(serviceMethod, "Plugin");
        }
    }

    public async Task InitializeAsync()
    {
        _server = GoPluginServer.Listen(Path.GetTempPath());
        _ = _server.ServeAsync(new GoPluginServerOptions
        {
            Plugins = new Dictionary<string, INetRpcService> { ["RpcTrafficRouterPlugin"] = _service },
            OnQuit = () => _quit.TrySetResult(),
        }, _stop.Token);
        _client = await TestPluginClient.ConnectAsync(_server.Address);
        await _client.OpenAsync(1);
        await _client.OpenAsync(3);
        await _client.OpenAsync(5);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _stop.CancelAsync();
        _server.Dispose();
        _stop.Dispose();
    }

    [Fact]
    public void Handshake_line_names_the_unix_socket_and_netrpc()
    {
        Assert.Equal($"1|1|unix|{_server.Address}|netrpc\n", _server.HandshakeLine);
        Assert.True(File.Exists(_server.Address));
    }

    [Fact]
    public async Task Ping_then_dispense_then_plugin_calls_on_the_broker_stream_then_quit()
    {
        var control = _client.Decoder(1);
        await _client.CallAsync(1, "Control.Ping", 0, TestPluginClient.TrueArgument);
        var (pingHeader, pingBody) = await Read(control);
        Assert.Equal("Control.Ping", pingHeader.Field("ServiceMethod")!.AsString());
        Assert.Null(pingHeader.Field("Error"));
        Assert.Equal(GobKind.Struct, pingBody.Kind);

        await _client.CallAsync(1, "Dispenser.Dispense", 1, TestPluginClient.StringArgument("RpcTrafficRouterPlugin"));
        var (_, idBody) = await Read(control);
        var brokerId = (uint)idBody.AsUint64();
        Assert.Equal(1u, brokerId);

        await _client.OpenAsync(7);
        var idBytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(idBytes, brokerId);
        await _client.SendRawAsync(7, idBytes);
        var echo = new byte[4];
        await _client.Inbound(7).ReadExactlyAsync(echo).AsTask().WaitAsync(Wait);
        Assert.Equal(idBytes, echo);

        // Pipelined: the slow call goes first and is held until the other two are answered, so
        // they must overtake it; each header is directly followed by its own body.
        var plugin = _client.Decoder(7);
        await _client.CallAsync(7, "Plugin.Slow", 0, TestPluginClient.NilInterfaceArgument);
        await _client.CallAsync(7, "Plugin.Fast", 1, TestPluginClient.NilInterfaceArgument);
        await _client.CallAsync(7, "Plugin.Nope", 2, TestPluginClient.NilInterfaceArgument);
        var answers = new List<(ulong Seq, string Text, string Error)>();
        for (var i = 0; i < 3; i++)
        {
            if (i == 2)
            {
                _service.ReleaseSlow.SetResult();
            }

            var (header, body) = await Read(plugin);
            answers.Add((header.Field("Seq")?.AsUint64() ?? 0, body.Field("ErrorString")?.AsString() ?? "", header.Field("Error")?.AsString() ?? ""));
        }
        Assert.Equal((2UL, "", "rpc: can't find method Plugin.Nope"), answers.Single(a => a.Seq == 2));
        Assert.Equal((1UL, "fast", ""), answers.Single(a => a.Seq == 1));
        Assert.Equal((0UL, "slow", ""), answers[2]);

        await _client.CallAsync(1, "Control.Quit", 2, TestPluginClient.TrueArgument);
        var (quitHeader, _) = await Read(control);
        Assert.Equal(2UL, quitHeader.Field("Seq")!.AsUint64());
        await _quit.Task.WaitAsync(Wait);
    }

    /// <summary>
    /// A Plugin stream the host resets while a call runs: that call is cancelled, not left to its
    /// deadline. Go's yamux sends RST on a window update; a data frame may carry it too.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_call_in_flight_on_a_stream_the_host_resets_is_cancelled(bool onWindowUpdate)
    {
        var frame = onWindowUpdate ? ApisixPlugin.GoPlugin.Yamux.YamuxFrameType.WindowUpdate : ApisixPlugin.GoPlugin.Yamux.YamuxFrameType.Data;
        await _client.CallAsync(1, "Dispenser.Dispense", 0, TestPluginClient.StringArgument("RpcTrafficRouterPlugin"));
        var (_, idBody) = await Read(_client.Decoder(1));
        await _client.OpenAsync(7);
        var idBytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(idBytes, (uint)idBody.AsUint64());
        await _client.SendRawAsync(7, idBytes);
        await _client.Inbound(7).ReadExactlyAsync(new byte[4]).AsTask().WaitAsync(Wait);
        await _client.CallAsync(7, "Plugin.Slow", 0, TestPluginClient.NilInterfaceArgument);
        await _service.SlowStarted.Task.WaitAsync(Wait);

        var reset = new byte[ApisixPlugin.GoPlugin.Yamux.YamuxHeader.Size];
        ApisixPlugin.GoPlugin.Yamux.YamuxHeader.Create(frame, ApisixPlugin.GoPlugin.Yamux.YamuxFlags.Rst, 7, 0).WriteTo(reset);
        await _client.WriteFramesAsync(reset);

        await _service.SlowCancelled.Task.WaitAsync(Wait);
    }

    [Fact]
    public async Task Unknown_plugin_name_is_refused_with_go_plugins_text()
    {
        await _client.CallAsync(1, "Dispenser.Dispense", 0, TestPluginClient.StringArgument("Other"));
        var (header, body) = await Read(_client.Decoder(1));
        Assert.Equal("unknown plugin type: Other", header.Field("Error")!.AsString());
        Assert.Equal(GobKind.Struct, body.Kind); // still a body: Go's client reads one
    }

    [Fact]
    public async Task Broker_stream_with_an_id_never_handed_out_is_reset()
    {
        await _client.OpenAsync(7);
        await _client.SendRawAsync(7, [42, 0, 0, 0]);
        var read = await _client.Inbound(7).ReadAsync(new byte[4]).AsTask().WaitAsync(Wait);
        Assert.Equal(0, read);
        Assert.Contains(_client.ControlFrames.ToArray(), f => f.StreamId == 7 && f.Has(ApisixPlugin.GoPlugin.Yamux.YamuxFlags.Rst));
    }

    [Fact]
    public async Task Streams_beyond_the_broker_limit_are_reset()
    {
        for (uint id = 7; id < 7 + 2 * 40; id += 2)
        {
            await _client.OpenAsync(id); // broker streams that never send their id
        }
        var last = 7u + 2 * 39;
        var read = await _client.Inbound(last).ReadAsync(new byte[4]).AsTask().WaitAsync(Wait);
        Assert.Equal(0, read);
        Assert.Contains(_client.ControlFrames.ToArray(), f => f.StreamId == last && f.Has(ApisixPlugin.GoPlugin.Yamux.YamuxFlags.Rst));
    }

    [Fact]
    public async Task Undecodable_argument_fails_that_call_and_resets_only_that_stream()
    {
        var control = _client.Decoder(1);
        // A string argument whose length runs past its message.
        await _client.CallAsync(1, "Dispenser.Dispense", 0, GobBytes.Hex("04 0c 00 7f 41"));
        var (header, _) = await Read(control);
        Assert.Contains("string length 127 exceeds", header.Field("Error")!.AsString(), StringComparison.Ordinal);
        Assert.Null(await Task.Run(control.DecodeNext).WaitAsync(Wait)); // stream ended (RST)
    }

    private static async Task<(GobValue Header, GobValue Body)> Read(GobStreamDecoder decoder)
    {
        var header = await Task.Run(decoder.DecodeNext).WaitAsync(Wait);
        var body = await Task.Run(decoder.DecodeNext).WaitAsync(Wait);
        return (header!, body!);
    }
}
