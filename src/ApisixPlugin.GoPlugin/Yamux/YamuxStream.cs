using System.Buffers;

namespace ApisixPlugin.GoPlugin.Yamux;

/// <summary>
/// One yamux stream opened by the peer. Reads block (the gob decoder pulls bytes synchronously on
/// the stream's own thread); writes are asynchronous and never exceed the peer's window.
/// Receive credit goes back to the peer as the reader consumes, so arguments larger than the
/// initial window flow without stalling.
/// </summary>
internal sealed class YamuxStream : Stream
{
    /// <summary>Frames are cut at this size so one big reply cannot starve other streams.</summary>
    public const int MaxDataFrame = 64 * 1024;

    private readonly YamuxSession _session;
    private readonly object _gate = new();
    // Frames wait here in buffers rented from the shared pool and go back when read or dropped:
    // an argument of 73 KiB is a new frame buffer at every call otherwise.
    private readonly Queue<(byte[] Rented, int Length)> _segments = new();
    private int _headOffset;
    private long _buffered;
    private long _receiveWindow = YamuxSession.InitialWindow;
    private long _owedCredit;
    private long _sendWindow = YamuxSession.InitialWindow;
    private TaskCompletionSource? _creditWaiter;
    private int _blockedReaders;
    private bool _remoteClosed;
    private bool _localClosed;
    private bool _reset;
    private string? _sessionFailure;
    private int _readTimeout = Timeout.Infinite;

    internal YamuxStream(YamuxSession session, uint id)
    {
        _session = session;
        Id = id;
    }

    public uint Id { get; }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override bool CanTimeout => true;

    /// <summary>How long a read waits for data, in ms; a read that gets none fails with an IOException.</summary>
    public override int ReadTimeout
    {
        get => _readTimeout;
        set => _readTimeout = value is >= 0 or Timeout.Infinite ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Bytes the peer may still send before it must wait for credit.</summary>
    internal long ReceiveWindow { get { lock (_gate) { return _receiveWindow; } } }

    internal long SendWindow { get { lock (_gate) { return _sendWindow; } } }

    /// <summary>Whether a write is waiting for the peer's credit (what tests wait for instead of sleeping).</summary>
    internal bool IsWaitingForCredit { get { lock (_gate) { return _creditWaiter is { Task.IsCompleted: false }; } } }

    /// <summary>Whether a read is blocked waiting for data (what tests wait for instead of sleeping).</summary>
    internal bool HasBlockedReader { get { lock (_gate) { return _blockedReaders > 0; } } }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }
        long credit = 0;
        int copied;
        var timeout = _readTimeout;
        var deadline = timeout == Timeout.Infinite ? long.MaxValue : Environment.TickCount64 + timeout;
        lock (_gate)
        {
            while (_buffered == 0)
            {
                if (_reset)
                {
                    throw new IOException($"yamux stream {Id} was reset");
                }
                if (_remoteClosed)
                {
                    return 0;
                }
                if (_sessionFailure is not null)
                {
                    throw new IOException($"yamux stream {Id}: session closed: {_sessionFailure}");
                }
                var left = timeout == Timeout.Infinite ? Timeout.Infinite : deadline - Environment.TickCount64;
                if (timeout != Timeout.Infinite && left <= 0)
                {
                    throw new IOException($"yamux stream {Id}: no data within {timeout} ms");
                }
                _blockedReaders++;
                try
                {
                    Monitor.Wait(_gate, (int)left);
                }
                finally
                {
                    _blockedReaders--;
                }
            }
            copied = 0;
            while (copied < buffer.Length && _segments.Count > 0)
            {
                var (rented, length) = _segments.Peek();
                var n = Math.Min(length - _headOffset, buffer.Length - copied);
                rented.AsSpan(_headOffset, n).CopyTo(buffer[copied..]);
                copied += n;
                _headOffset += n;
                if (_headOffset == length)
                {
                    _segments.Dequeue();
                    _headOffset = 0;
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
            _buffered -= copied;
            _owedCredit += copied;
            // Like Go's yamux: grant credit once half the window is owed, not for every read.
            if (_owedCredit >= YamuxSession.InitialWindow / 2 && !_remoteClosed && !_reset)
            {
                credit = _owedCredit;
                _receiveWindow += credit;
                _owedCredit = 0;
            }
        }
        if (credit > 0)
        {
            _session.Send(YamuxHeader.Create(YamuxFrameType.WindowUpdate, YamuxFlags.None, Id, (uint)credit));
        }
        return copied;
    }

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var offset = 0;
        while (offset < buffer.Length)
        {
            Task? wait = null;
            var chunk = 0;
            lock (_gate)
            {
                ThrowIfCannotWrite();
                if (_sendWindow > 0)
                {
                    chunk = (int)Math.Min(Math.Min(_sendWindow, buffer.Length - offset), MaxDataFrame);
                    _sendWindow -= chunk;
                }
                else
                {
                    _creditWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _creditWaiter.Task;
                }
            }
            if (wait is not null)
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            var payload = buffer.Slice(offset, chunk).ToArray();
            _session.Send(YamuxHeader.Create(YamuxFrameType.Data, YamuxFlags.None, Id, (uint)chunk), payload);
            offset += chunk;
        }
    }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Half-close: tells the peer this side will send nothing more (FIN).</summary>
    public void CloseWrite()
    {
        bool forget;
        lock (_gate)
        {
            if (_localClosed || _reset || _sessionFailure is not null)
            {
                return;
            }
            _localClosed = true;
            forget = _remoteClosed;
        }
        _session.Send(YamuxHeader.Create(YamuxFrameType.WindowUpdate, YamuxFlags.Fin, Id, 0));
        if (forget)
        {
            _session.Forget(Id);
        }
    }

    /// <summary>Aborts the stream in both directions (RST); used when its content is unusable.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            if (_reset || _sessionFailure is not null)
            {
                return;
            }
            MarkReset();
        }
        _session.Send(YamuxHeader.Create(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, Id, 0));
        _session.Forget(Id);
    }

    /// <summary>
    /// Reset by the session's reader, which must never wait on the socket: the RST is queued
    /// for the thread pool to write.
    /// </summary>
    internal void ResetFromReader()
    {
        lock (_gate)
        {
            if (_reset || _sessionFailure is not null)
            {
                return;
            }
            MarkReset();
        }
        _session.Forget(Id);
        _session.SendFromReader(YamuxHeader.Create(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, Id, 0));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CloseWrite();
        }
        base.Dispose(disposing);
    }

    /// <summary>
    /// Data from the peer, the first <paramref name="length"/> bytes of a buffer rented from the
    /// shared pool, which the stream now owns; the session has checked it fits the receive window.
    /// </summary>
    internal void Receive(byte[] rented, int length)
    {
        lock (_gate)
        {
            if (length > _receiveWindow)
            {
                ArrayPool<byte>.Shared.Return(rented);
                throw new YamuxProtocolException(
                    $"stream {Id} received {length} bytes with only {_receiveWindow} bytes of window left");
            }
            if (_reset || _remoteClosed)
            {
                ArrayPool<byte>.Shared.Return(rented);
                return;
            }
            _receiveWindow -= length;
            _segments.Enqueue((rented, length));
            _buffered += length;
            Monitor.PulseAll(_gate);
        }
    }

    internal void AddSendCredit(uint delta)
    {
        lock (_gate)
        {
            _sendWindow = Math.Min(_sendWindow + delta, uint.MaxValue);
            ReleaseWriter();
        }
    }

    internal void OnRemoteFin()
    {
        bool forget;
        lock (_gate)
        {
            _remoteClosed = true;
            forget = _localClosed;
            Monitor.PulseAll(_gate);
        }
        if (forget)
        {
            _session.Forget(Id);
        }
    }

    internal void OnRemoteReset()
    {
        lock (_gate)
        {
            MarkReset();
        }
        _session.Forget(Id);
    }

    internal void OnSessionClosed(string reason)
    {
        lock (_gate)
        {
            _sessionFailure ??= reason;
            Monitor.PulseAll(_gate);
            ReleaseWriter();
        }
    }

    private void MarkReset()
    {
        _reset = true;
        while (_segments.TryDequeue(out var segment))
        {
            ArrayPool<byte>.Shared.Return(segment.Rented);
        }
        _headOffset = 0;
        _buffered = 0;
        Monitor.PulseAll(_gate);
        ReleaseWriter();
    }

    private void ReleaseWriter()
    {
        _creditWaiter?.TrySetResult();
        _creditWaiter = null;
    }

    private void ThrowIfCannotWrite()
    {
        if (_reset)
        {
            throw new IOException($"yamux stream {Id} was reset");
        }
        if (_sessionFailure is not null)
        {
            throw new IOException($"yamux stream {Id}: session closed: {_sessionFailure}");
        }
        if (_localClosed)
        {
            throw new IOException($"yamux stream {Id} is closed for writing");
        }
    }
}
