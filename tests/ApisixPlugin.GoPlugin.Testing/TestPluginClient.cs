using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Yamux;

namespace ApisixPlugin.GoPlugin.Testing;

/// <summary>
/// A go-plugin host written for the tests: a raw yamux client whose streams feed pipes, requests
/// encoded as Go's net/rpc client does, responses decoded with the library's gob decoder.
/// </summary>
internal sealed class TestPluginClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _transport;
    private readonly RawYamuxPeer _peer;
    private readonly ConcurrentDictionary<uint, Pipe> _inbound = new();
    private readonly ConcurrentDictionary<uint, bool> _headerDefined = new();
    private readonly ConcurrentDictionary<uint, SendWindow> _windows = new();
    private readonly Task _pump;
    private TaskCompletionSource _reading = Started();

    private TestPluginClient(Socket socket)
    {
        _socket = socket;
        _transport = new NetworkStream(socket, ownsSocket: true);
        _peer = new RawYamuxPeer(_transport);
        _pump = Task.Run(PumpAsync);
    }

    public List<YamuxHeader> ControlFrames { get; } = [];

    public static async Task<TestPluginClient> ConnectAsync(string socketPath)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        return new TestPluginClient(socket);
    }

    /// <summary>Whole frames written as they are, e.g. a flood built in advance.</summary>
    public ValueTask WriteFramesAsync(byte[] frames) => _transport.WriteAsync(frames);

    public async Task OpenAsync(uint id)
    {
        _inbound[id] = new Pipe();
        _windows[id] = new SendWindow();
        await _peer.OpenAsync(id);
    }

    /// <summary>Sends within the server's window, waiting for its credit as a yamux client does.</summary>
    public async Task SendRawAsync(uint id, byte[] bytes)
    {
        var window = _windows[id];
        for (var offset = 0; offset < bytes.Length;)
        {
            var chunk = await window.TakeAsync(Math.Min(bytes.Length - offset, 64 * 1024));
            await _peer.SendDataAsync(id, bytes[offset..(offset + chunk)]);
            offset += chunk;
        }
    }

    /// <summary>Stops reading the socket after the frame in hand, as a stuck peer would.</summary>
    public void PauseReading() => _reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ResumeReading() => _reading.TrySetResult();

    /// <summary>net/rpc's request: <c>Request{ServiceMethod, Seq}</c> then the argument message(s).</summary>
    public Task CallAsync(uint id, string method, ulong seq, byte[] argument)
    {
        var bytes = new GobBytes();
        if (_headerDefined.TryAdd(id, true))
        {
            bytes.DefineStruct(65, "Request", ("ServiceMethod", GobTypeIds.String), ("Seq", GobTypeIds.Uint));
        }
        bytes.Message(w =>
        {
            w.WriteInt(65);
            w.WriteUint(1);
            w.WriteString(method);
            if (seq != 0)
            {
                w.WriteUint(1);
                w.WriteUint(seq);
            }
            w.WriteUint(0);
        });
        bytes.Raw(argument);
        return SendRawAsync(id, bytes.ToArray());
    }

    /// <summary>A decoder over everything the server sends on one stream.</summary>
    public GobStreamDecoder Decoder(uint id) => new(_inbound[id].Reader.AsStream());

    public Stream Inbound(uint id) => _inbound[id].Reader.AsStream();

    public static byte[] StringArgument(string value) =>
        new GobBytes().Message(w => { w.WriteInt(GobTypeIds.String); w.WriteUint(0); w.WriteString(value); }).ToArray();

    public static readonly byte[] NilInterfaceArgument = GobBytes.Hex("03100000");
    public static readonly byte[] TrueArgument = GobBytes.Hex("03020001");

    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                await _reading.Task;
                var (header, payload) = await _peer.ReceiveAsyncNoTimeout();
                if (header.Type == YamuxFrameType.WindowUpdate && _windows.TryGetValue(header.StreamId, out var window))
                {
                    window.Add(header.Length);
                }
                if (header.Type == YamuxFrameType.Data && _inbound.TryGetValue(header.StreamId, out var pipe))
                {
                    await pipe.Writer.WriteAsync(payload);
                }
                else
                {
                    lock (ControlFrames)
                    {
                        ControlFrames.Add(header);
                    }
                }
                if (header.Has(YamuxFlags.Fin) || header.Has(YamuxFlags.Rst))
                {
                    if (_inbound.TryGetValue(header.StreamId, out var ended))
                    {
                        await ended.Writer.CompleteAsync();
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException or OperationCanceledException)
        {
            foreach (var pipe in _inbound.Values)
            {
                await pipe.Writer.CompleteAsync();
            }
        }
    }

    private static TaskCompletionSource Started()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        started.SetResult();
        return started;
    }

    /// <summary>Credit for one stream: 256 KiB to start with, more with each WindowUpdate.</summary>
    private sealed class SendWindow
    {
        private readonly object _lock = new();
        private long _credit = YamuxSession.InitialWindow;
        private TaskCompletionSource _more = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(uint delta)
        {
            lock (_lock)
            {
                _credit += delta;
                _more.TrySetResult();
            }
        }

        public async Task<int> TakeAsync(int wanted)
        {
            while (true)
            {
                Task wait;
                lock (_lock)
                {
                    if (_credit > 0)
                    {
                        var taken = (int)Math.Min(wanted, _credit);
                        _credit -= taken;
                        return taken;
                    }
                    _more = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _more.Task;
                }
                await wait.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        ResumeReading();
        _socket.Shutdown(SocketShutdown.Both);
        await _transport.DisposeAsync();
        await _pump.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
