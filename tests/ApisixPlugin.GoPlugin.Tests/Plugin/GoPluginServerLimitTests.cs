using System.Buffers.Binary;
using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.NetRpc;
using ApisixPlugin.GoPlugin.Plugin;
using ApisixPlugin.GoPlugin.Testing;
using ApisixPlugin.GoPlugin.Yamux;

namespace ApisixPlugin.GoPlugin.Tests.Plugin;

/// <summary>What a host connection may hold: broker slots, dispensed ids, calls in flight.</summary>
public sealed class GoPluginServerLimitTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _stop = new();
    private readonly GatedService _service = new();
    private readonly ManualTime _time = new();
    private GoPluginServer _server = null!;
    private TestPluginClient _client = null!;

    /// <summary>"Plugin.Slow" waits for the test to open the gate; "Plugin.Fast" answers at once.</summary>
    private sealed class GatedService : INetRpcService
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly object _lock = new();
        private int _inside;

        public int MostInside { get; private set; }

        public TaskCompletionSource<bool> Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int ReachedAt { get; set; } = int.MaxValue;

        public void Open() => _gate.TrySetResult();

        public async ValueTask<NetRpcReply> InvokeAsync(string serviceMethod, GobValue argument, CancellationToken cancellationToken)
        {
            if (serviceMethod != "Plugin.Slow")
            {
                return NetRpcReply.RpcError("fast");
            }
            lock (_lock)
            {
                _inside++;
                MostInside = Math.Max(MostInside, _inside);
                if (_inside >= ReachedAt)
                {
                    Reached.TrySetResult(true);
                }
            }
            await _gate.Task.WaitAsync(cancellationToken);
            lock (_lock)
            {
                _inside--;
            }
            return NetRpcReply.RpcError("slow");
        }
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    public async Task InitializeAsync()
    {
        _server = GoPluginServer.Listen(Path.GetTempPath());
        _ = _server.ServeAsync(new GoPluginServerOptions
        {
            Plugins = new Dictionary<string, INetRpcService> { ["RpcTrafficRouterPlugin"] = _service },
            BrokerTimeout = TimeSpan.FromMilliseconds(300),
            Time = _time,
        }, _stop.Token);
        _client = await TestPluginClient.ConnectAsync(_server.Address);
        await _client.OpenAsync(1);
        await _client.OpenAsync(3);
        await _client.OpenAsync(5);
    }

    public async Task DisposeAsync()
    {
        _service.Open();
        await _client.DisposeAsync();
        await _stop.CancelAsync();
        _server.Dispose();
        _stop.Dispose();
    }

    [Fact]
    public async Task Broker_streams_that_never_send_their_id_are_reset_and_the_real_one_then_gets_through()
    {
        // 32 streams take every broker slot and send nothing: each is reset once its time is up.
        for (uint id = 7; id < 7 + 2 * 32; id += 2)
        {
            await _client.OpenAsync(id);
        }
        for (uint id = 7; id < 7 + 2 * 32; id += 2)
        {
            Assert.Equal(0, await _client.Inbound(id).ReadAsync(new byte[4]).AsTask().WaitAsync(Wait));
            Assert.Contains(_client.ControlFrames.ToArray(), f => f.StreamId == id && f.Has(YamuxFlags.Rst));
        }

        var brokerId = await DispenseAsync(_client.Decoder(1), 0);
        var stream = 7u + 2 * 32;
        await _client.OpenAsync(stream);
        var idBytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(idBytes, brokerId);
        await _client.SendRawAsync(stream, idBytes);
        var echo = new byte[4];
        await _client.Inbound(stream).ReadExactlyAsync(echo).AsTask().WaitAsync(Wait);
        Assert.Equal(idBytes, echo);
    }

    [Fact]
    public async Task Dispense_refuses_more_ids_than_the_broker_slots_until_the_old_ones_expire()
    {
        var control = _client.Decoder(1);
        for (ulong seq = 0; seq < 32; seq++)
        {
            await DispenseAsync(control, seq);
        }
        await _client.CallAsync(1, "Dispenser.Dispense", 32, TestPluginClient.StringArgument("RpcTrafficRouterPlugin"));
        var (header, _) = await Read(control);
        Assert.Contains("32 dispensed plugin streams are waiting to be opened", header.Field("Error")!.AsString(), StringComparison.Ordinal);

        // go-plugin's broker forgets an id whose stream did not come within 5 s; so does this one.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await DispenseAsync(control, 33) > 32);
    }

    [Fact]
    public async Task At_most_32_calls_run_at_once_on_one_stream_the_others_wait_their_turn()
    {
        var brokerId = await DispenseAsync(_client.Decoder(1), 0);
        await _client.OpenAsync(7);
        var idBytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(idBytes, brokerId);
        await _client.SendRawAsync(7, idBytes);
        await _client.Inbound(7).ReadExactlyAsync(new byte[4]).AsTask().WaitAsync(Wait);

        _service.ReachedAt = 32;
        var plugin = _client.Decoder(7);
        for (ulong seq = 0; seq < 40; seq++)
        {
            await _client.CallAsync(7, "Plugin.Slow", seq, TestPluginClient.NilInterfaceArgument);
        }
        await _client.CallAsync(7, "Plugin.Fast", 40, TestPluginClient.NilInterfaceArgument);
        await _service.Reached.Task.WaitAsync(Wait);
        _service.Open();
        var answered = new HashSet<ulong>();
        for (var i = 0; i < 41; i++)
        {
            var (header, _) = await Read(plugin);
            answered.Add(header.Field("Seq")?.AsUint64() ?? 0);
        }
        Assert.Equal(41, answered.Count);
        Assert.Equal(32, _service.MostInside);
    }

    private async Task<uint> DispenseAsync(GobStreamDecoder control, ulong seq)
    {
        await _client.CallAsync(1, "Dispenser.Dispense", seq, TestPluginClient.StringArgument("RpcTrafficRouterPlugin"));
        var (header, body) = await Read(control);
        Assert.Null(header.Field("Error"));
        return (uint)body.AsUint64();
    }

    private static async Task<(GobValue Header, GobValue Body)> Read(GobStreamDecoder decoder)
    {
        var header = await Task.Run(decoder.DecodeNext).WaitAsync(Wait);
        var body = await Task.Run(decoder.DecodeNext).WaitAsync(Wait);
        return (header!, body!);
    }
}
