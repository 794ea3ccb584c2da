namespace ApisixPlugin.GoPlugin.Tests.Support;

/// <summary>
/// A read-only stream of <c>first</c> followed by <c>repeated</c> over and over, ending once
/// <c>limit</c> bytes have been produced: endless-looking input without holding it in memory.
/// </summary>
internal sealed class GeneratedStream(byte[] first, byte[] repeated, long limit) : Stream
{
    private byte[] _current = first;
    private int _offset;

    /// <summary>Bytes handed out so far: how far the reader got.</summary>
    public long Produced { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Produced; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (Produced >= limit || buffer.IsEmpty)
        {
            return 0;
        }
        if (_offset == _current.Length)
        {
            _current = repeated;
            _offset = 0;
        }
        var n = (int)Math.Min(Math.Min(buffer.Length, _current.Length - _offset), limit - Produced);
        _current.AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        Produced += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
