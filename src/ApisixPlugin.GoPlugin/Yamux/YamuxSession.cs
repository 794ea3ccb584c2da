using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Threading.Channels;

namespace ApisixPlugin.GoPlugin.Yamux;

/// <summary>
/// The server side of a yamux session over one connection: reads frames continuously, ACKs
/// every SYN at once, answers pings, and serialises all writes through one writer loop so the
/// reader never waits on the socket's send side.
/// </summary>
internal sealed class YamuxSession : IAsyncDisposable
{
    public const uint InitialWindow = 256 * 1024;

    /// <summary>
    /// Ping answers queued and not yet written. yamux's keepalive sends its next ping only after
    /// the last was answered, so a healthy peer has one outstanding; pings beyond this many are
    /// dropped (a peer that is really waiting times out, as it would on a dead link), so an
    /// unread ping flood cannot grow the queue.
    /// </summary>
    public const int MaxPendingPingAcks = 16;

    /// <summary>
    /// Other answers the reader queued (ACKs of SYNs, resets of refused streams) and the socket
    /// has not taken. argo opens four streams; a thousand unread answers means the peer opens
    /// streams without reading its side of the connection, and the session ends.
    /// </summary>
    public const int MaxReaderBacklog = 1024;

    private const int AcceptBacklog = 256;
    private const int MaxOpenStreams = 1024;
    private const int WriteBatchBytes = 64 * 1024;
    private const int MaxSegmentBytes = 16 * 1024;

    private readonly Stream _transport;
    private readonly Action<string>? _onClosed;
    private readonly ConcurrentDictionary<uint, YamuxStream> _streams = new();
    private readonly ConcurrentQueue<(YamuxHeader Header, byte[]? Payload, FrameOrigin Origin)> _outgoing = new();
    private int _pendingPingAcks;
    private int _readerBacklog;
    private readonly ArrayBufferWriter<byte> _batch = new(WriteBatchBytes);
    private int _writerActive;
    private readonly Channel<YamuxStream> _accepted =
        Channel.CreateBounded<YamuxStream>(new BoundedChannelOptions(AcceptBacklog) { SingleReader = false });
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _readLoop = Task.CompletedTask;

    public YamuxSession(Stream transport, Action<string>? onClosed = null)
    {
        _transport = transport;
        _onClosed = onClosed;
    }

    /// <summary>Completes with the reason once the session has ended.</summary>
    public Task<string> Closed => _closed.Task;

    public int OpenStreams => _streams.Count;

    /// <summary>Frames waiting to be written to the socket.</summary>
    internal int QueuedFrames => _outgoing.Count;

    public void Start() => _readLoop = Task.Run(ReadLoopAsync);

    /// <summary>
    /// Runs the reader on the calling thread instead (the fuzz target's way in): over a transport
    /// whose reads complete at once it returns finished, and what it allocated is measurable.
    /// </summary>
    internal Task RunReaderOnThisThread() => _readLoop = ReadLoopAsync();

    /// <summary>The next stream the peer opened; null once the session has ended.</summary>
    public async ValueTask<YamuxStream?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Queues a frame and, unless another thread is writing already, writes the queue to the
    /// socket on this thread: no hop to a writer task, and frames keep their order. The write may
    /// block while the socket's send buffer is full; a yamux peer reads its socket continuously.
    /// </summary>
    internal void Send(YamuxHeader header, byte[]? payload = null)
    {
        if (_closed.Task.IsCompleted && header.Type != YamuxFrameType.GoAway)
        {
            return;
        }
        _outgoing.Enqueue((header, payload, FrameOrigin.Stream));
        DrainOutgoing();
    }

    /// <summary>
    /// The reader loop must never wait on the socket's send side, so what it sends (ACKs, RSTs)
    /// is written from the thread pool; how much of it waits unwritten is bounded.
    /// </summary>
    internal void SendFromReader(YamuxHeader header)
    {
        if (Interlocked.Increment(ref _readerBacklog) > MaxReaderBacklog)
        {
            throw new YamuxProtocolException(
                $"peer is not reading: {MaxReaderBacklog} answers to its frames are waiting for the socket");
        }
        QueueFromReader(header, FrameOrigin.Reader);
    }

    private void AnswerPing(uint value)
    {
        if (Interlocked.Increment(ref _pendingPingAcks) > MaxPendingPingAcks)
        {
            Interlocked.Decrement(ref _pendingPingAcks);
            return;
        }
        QueueFromReader(YamuxHeader.Create(YamuxFrameType.Ping, YamuxFlags.Ack, 0, value), FrameOrigin.PingAck);
    }

    private void QueueFromReader(YamuxHeader header, FrameOrigin origin)
    {
        _outgoing.Enqueue((header, null, origin));
        ThreadPool.UnsafeQueueUserWorkItem(static session => session.DrainOutgoing(), this, preferLocal: false);
    }

    private void DrainOutgoing()
    {
        while (!_outgoing.IsEmpty)
        {
            if (Interlocked.CompareExchange(ref _writerActive, 1, 0) != 0)
            {
                return; // the active writer re-checks the queue before it lets go
            }
            try
            {
                while (!_outgoing.IsEmpty)
                {
                    while (_batch.WrittenCount < WriteBatchBytes && _outgoing.TryDequeue(out var frame))
                    {
                        if (frame.Origin == FrameOrigin.PingAck)
                        {
                            Interlocked.Decrement(ref _pendingPingAcks);
                        }
                        else if (frame.Origin == FrameOrigin.Reader)
                        {
                            Interlocked.Decrement(ref _readerBacklog);
                        }
                        frame.Header.WriteTo(_batch.GetSpan(YamuxHeader.Size));
                        _batch.Advance(YamuxHeader.Size);
                        if (frame.Payload is { Length: > 0 } payload)
                        {
                            _batch.Write(payload);
                        }
                    }
                    _transport.Write(_batch.WrittenSpan);
                    _batch.ResetWrittenCount();
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
            {
                _batch.ResetWrittenCount();
                _outgoing.Clear();
                Volatile.Write(ref _writerActive, 0);
                Close("connection failed while writing: " + e.Message);
                return;
            }
            Volatile.Write(ref _writerActive, 0);
        }
    }

    internal void Forget(uint id) => _streams.TryRemove(id, out _);

    /// <summary>Ends the session: GoAway to the peer, every stream fails, the connection closes.</summary>
    public void Close(string reason, YamuxGoAwayCode code = YamuxGoAwayCode.Normal)
    {
        if (!_closed.TrySetResult(reason))
        {
            return;
        }
        Send(YamuxHeader.Create(YamuxFrameType.GoAway, YamuxFlags.None, 0, (uint)code));
        _accepted.Writer.TryComplete();
        foreach (var stream in _streams.Values)
        {
            stream.OnSessionClosed(reason);
        }
        _streams.Clear();
        // The GoAway went out above unless another thread is mid-write; closing the socket ends
        // that write and the reader loop alike.
        _transport.Dispose();
        _onClosed?.Invoke(reason);
    }

    public async ValueTask DisposeAsync()
    {
        Close("session disposed");
        await _readLoop.ConfigureAwait(false);
    }

    private async Task ReadLoopAsync()
    {
        var headerBytes = new byte[YamuxHeader.Size];
        try
        {
            while (!_closed.Task.IsCompleted)
            {
                var got = await _transport.ReadAtLeastAsync(headerBytes, YamuxHeader.Size, throwOnEndOfStream: false).ConfigureAwait(false);
                if (got == 0)
                {
                    Close("peer closed the connection");
                    return;
                }
                if (got < YamuxHeader.Size)
                {
                    throw new YamuxProtocolException($"connection ended inside a frame header ({got} of {YamuxHeader.Size} bytes)");
                }
                var header = YamuxHeader.Parse(headerBytes);
                if (header.Version != 0)
                {
                    throw new YamuxProtocolException($"unsupported version {header.Version}");
                }
                switch (header.Type)
                {
                    case YamuxFrameType.Data:
                    case YamuxFrameType.WindowUpdate:
                        await HandleStreamFrameAsync(header).ConfigureAwait(false);
                        break;
                    case YamuxFrameType.Ping:
                        if (header.Has(YamuxFlags.Syn))
                        {
                            AnswerPing(header.Length);
                        }
                        break;
                    case YamuxFrameType.GoAway:
                        Close($"peer sent GoAway (code {header.Length})");
                        return;
                    default:
                        throw new YamuxProtocolException($"unknown frame type {(byte)header.Type}");
                }
            }
        }
        catch (YamuxProtocolException e)
        {
            Close(e.Message, YamuxGoAwayCode.ProtocolError);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            Close("connection failed: " + e.Message);
        }
    }

    private async Task HandleStreamFrameAsync(YamuxHeader header)
    {
        if (header.StreamId == 0)
        {
            throw new YamuxProtocolException($"{header.Type} frame on stream 0");
        }
        YamuxStream? stream;
        if (header.Has(YamuxFlags.Syn))
        {
            stream = OpenIncoming(header.StreamId);
        }
        else
        {
            _streams.TryGetValue(header.StreamId, out stream);
        }

        if (header.Type == YamuxFrameType.WindowUpdate)
        {
            stream?.AddSendCredit(header.Length);
        }
        else if (stream is null)
        {
            // Data for a stream already gone (reset or closed): read past it, as Go's yamux does.
            await DiscardAsync(header.Length).ConfigureAwait(false);
        }
        else
        {
            if (header.Length > stream.ReceiveWindow)
            {
                throw new YamuxProtocolException(
                    $"stream {header.StreamId} sent {header.Length} bytes with only {stream.ReceiveWindow} bytes of window left");
            }
            // In segments of at most 16 KiB: the pool then keeps small arrays off the large
            // object heap, instead of one array as large as the largest frame per pooled slot.
            var left = (int)header.Length;
            while (left > 0)
            {
                var length = Math.Min(left, MaxSegmentBytes);
                var rented = ArrayPool<byte>.Shared.Rent(length);
                var got = await _transport.ReadAtLeastAsync(rented.AsMemory(0, length), length, throwOnEndOfStream: false).ConfigureAwait(false);
                if (got < length)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                    throw new YamuxProtocolException(
                        $"connection ended inside a data frame ({header.Length - left + got} of {header.Length} bytes)");
                }
                stream.Receive(rented, length);
                left -= length;
            }
        }

        if (stream is not null && header.Has(YamuxFlags.Rst))
        {
            stream.OnRemoteReset();
        }
        else if (stream is not null && header.Has(YamuxFlags.Fin))
        {
            stream.OnRemoteFin();
        }
    }

    private YamuxStream? OpenIncoming(uint id)
    {
        if (id % 2 == 0)
        {
            throw new YamuxProtocolException($"peer opened even stream id {id}; the client's ids are odd");
        }
        var stream = new YamuxStream(this, id);
        if (!_streams.TryAdd(id, stream))
        {
            throw new YamuxProtocolException($"peer opened stream {id} twice");
        }
        // yamux v0.1.2 drops the whole session when a SYN goes unacknowledged for 75 s: ACK at once.
        SendFromReader(YamuxHeader.Create(YamuxFrameType.WindowUpdate, YamuxFlags.Ack, id, 0));
        if (_streams.Count > MaxOpenStreams || !_accepted.Writer.TryWrite(stream))
        {
            stream.ResetFromReader();
            return null;
        }
        return stream;
    }

    private async Task DiscardAsync(uint length)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(MaxSegmentBytes);
        try
        {
            long left = length;
            while (left > 0)
            {
                var n = await _transport.ReadAsync(scratch.AsMemory(0, (int)Math.Min(left, scratch.Length))).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new YamuxProtocolException("connection ended inside a data frame");
                }
                left -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}

/// <summary>Who queued a frame: the counts of what the reader queued are bounded.</summary>
internal enum FrameOrigin : byte
{
    Stream,
    Reader,
    PingAck,
}
