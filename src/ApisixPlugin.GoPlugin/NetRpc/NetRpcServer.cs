using System.Buffers;
using System.Collections.Concurrent;
using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Logging;
using ApisixPlugin.GoPlugin.Yamux;

namespace ApisixPlugin.GoPlugin.NetRpc;

/// <summary>
/// Go's net/rpc server over one stream with the gob codec: one decoder and one encoder for the
/// stream's whole life, calls run concurrently, and each response (header + body) is written in
/// one piece so pipelined replies never interleave.
/// </summary>
internal sealed class NetRpcServer : IDisposable
{
    /// <summary>
    /// Calls one stream runs at once. argo-rollouts reconciles with 10 workers by default
    /// (--rollout-threads), each making one call at a time; beyond this the next request is not
    /// read until a call finishes, so the peer's window fills and it waits, instead of each
    /// pipelined call holding its decoded argument.
    /// </summary>
    public const int MaxCallsInFlight = 32;

    private readonly YamuxStream _stream;
    private readonly INetRpcService _service;
    private readonly IPluginLog _log;
    private readonly string _name;
    private readonly GobReplyEncoder _encoder = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, Task> _inFlight = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _callSlots = new(MaxCallsInFlight, MaxCallsInFlight);
    private long _nextCall;

    public NetRpcServer(YamuxStream stream, INetRpcService service, IPluginLog log, string name)
    {
        _stream = stream;
        _service = service;
        _log = log;
        _name = name;
    }

    /// <summary>Serves on a dedicated thread (the decoder blocks on reads); completes when the stream ends.</summary>
    public Task StartOnOwnThread()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            _ = Serve();
            done.TrySetResult();
        })
        {
            IsBackground = true,
            Name = $"netrpc-{_name}-{_stream.Id}",
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>
    /// Reads requests until the stream ends or breaks; then finishes the calls in flight. Returns
    /// why the stream broke (a request that could not be decoded, a protocol error), or null when
    /// it ended (closed, reset, the session gone).
    /// </summary>
    public string? Serve()
    {
        var decoder = new GobStreamDecoder(_stream);
        string? failure = null;
        string? undecodable = null;
        try
        {
            while (true)
            {
                // A free slot before the next request is read: the calls beyond wait on the wire.
                _callSlots.Wait();
                if (ReadRequest(decoder) is not var (method, seq, body))
                {
                    break;
                }
                var id = Interlocked.Increment(ref _nextCall);
                // Runs inline until the handler awaits (a sidecar call); an instant answer costs no thread hop.
                var call = DispatchAsync(method, seq, body);
                if (call.IsCompleted)
                {
                    continue;
                }
                _inFlight[id] = call;
                _ = call.ContinueWith(_ => _inFlight.TryRemove(id, out Task? _), TaskScheduler.Default);
            }
        }
        catch (Exception e) when (e is GobException or YamuxProtocolException)
        {
            failure = undecodable = e.Message;
            _log.Write(PluginLogLevel.Error, "net/rpc stream failed", ("server", _name), ("stream", _stream.Id), ("error", e.Message));
        }
        catch (IOException e)
        {
            // The stream or the whole session went away (reset, Quit, host gone): nothing to decode.
            failure = e.Message;
            _log.Write(PluginLogLevel.Debug, "net/rpc stream ended", ("server", _name), ("stream", _stream.Id), ("reason", e.Message));
        }
        if (failure is not null)
        {
            // No answer can reach the caller on a stream that broke: the calls in flight are
            // cancelled (their sidecar calls with them) rather than waited out to their deadline.
            _stopping.Cancel();
        }
        Task.WhenAll(_inFlight.Values).ContinueWith(_ => { }, TaskScheduler.Default).Wait();
        if (failure is null)
        {
            _stream.CloseWrite();
        }
        else
        {
            // The gob state of this stream is lost; the caller must see the stream end, not hang.
            _stream.Reset();
        }
        Dispose();
        return undecodable;
    }

    /// <summary>Called by <see cref="Serve"/> once no call is left in flight.</summary>
    public void Dispose()
    {
        _stopping.Dispose();
        _writeLock.Dispose();
        _callSlots.Dispose();
    }

    private (string Method, ulong Seq, GobValue Body)? ReadRequest(GobStreamDecoder decoder)
    {
        var header = decoder.DecodeNext();
        if (header is null)
        {
            return null;
        }
        if (header.Unwrapped?.Kind != GobKind.Struct)
        {
            throw new GobException($"request header is a {header.Kind}, not net/rpc's Request struct");
        }
        var method = header.Field("ServiceMethod")?.AsString() ?? "";
        var seq = header.Field("Seq")?.AsUint64() ?? 0;
        GobValue? body;
        try
        {
            body = decoder.DecodeNext(_service.ArgumentShape(method)) ?? throw new GobException($"stream ended before the argument of {method} (seq {seq})");
        }
        catch (GobException e)
        {
            // Answer the caller first so its call fails with the reason instead of waiting.
            WriteResponseAsync(method, seq, NetRpcReply.Failure("reading body " + e.Message)).GetAwaiter().GetResult();
            throw;
        }
        return (method, seq, body);
    }

    private async Task DispatchAsync(string method, ulong seq, GobValue body)
    {
        try
        {
            NetRpcReply reply;
            try
            {
                reply = await _service.InvokeAsync(method, body, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _log.Write(PluginLogLevel.Error, "call failed", ("method", method), ("seq", seq), ("error", e.Message));
                reply = NetRpcReply.Failure(e.Message);
            }
            if (await WriteResponseAsync(method, seq, reply).ConfigureAwait(false))
            {
                reply.AfterSent?.Invoke();
            }
        }
        finally
        {
            // Before the task completes, so Serve's wait for the calls in flight covers it.
            _callSlots.Release();
        }
    }

    private async Task<bool> WriteResponseAsync(string method, ulong seq, NetRpcReply reply)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            var writer = new GobWriter(buffer);
            _encoder.WriteResponseHeader(writer, method, seq, reply.Error);
            reply.WriteBody(_encoder, writer);
            await _stream.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
            return true;
        }
        catch (IOException e)
        {
            _log.Write(PluginLogLevel.Warn, "response not sent", ("method", method), ("seq", seq), ("error", e.Message));
            return false;
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
