using System.Buffers.Binary;
using System.Text;

namespace ApisixPlugin.GoPlugin.Gob;

/// <summary>
/// Reads gob messages (<c>uint(length) payload</c>) from a stream and the primitives inside them.
/// Every read is checked against the bytes left in the current message, so no length taken from
/// the wire can make it allocate more than the message itself holds.
/// </summary>
internal sealed class GobMessageReader
{
    // A buffer this small or smaller is kept for the next message; a bigger one (a rare big
    // message) is dropped so that a stream does not hold its largest message for life.
    private const int KeptBufferBytes = 1024 * 1024;
    private const int InitialBufferBytes = 4096;

    private readonly Stream _source;
    private readonly int _maxMessageBytes;
    private byte[] _buffer = new byte[InitialBufferBytes];
    private int _position;
    private int _end;

    public GobMessageReader(Stream source, int maxMessageBytes = GobLimits.MaxMessageBytes)
    {
        _source = source;
        _maxMessageBytes = maxMessageBytes;
    }

    public int Remaining => _end - _position;

    /// <summary>The length of the message loaded last.</summary>
    public int MessageLength => _end;

    /// <summary>Where the next read starts in the current message.</summary>
    public int Position => _position;

    /// <summary>Loads the next message; false when the stream ended cleanly before it.</summary>
    public bool TryLoadMessage() => TryLoadMessage(_maxMessageBytes, null);

    /// <summary>
    /// Loads the next message, refusing one longer than <paramref name="maxBytes"/> (with
    /// <paramref name="refusal"/> as the reason, if given) before reading any of it.
    /// </summary>
    private bool TryLoadMessage(int maxBytes, string? refusal)
    {
        var first = _source.ReadByte();
        if (first < 0)
        {
            return false;
        }
        var length = ReadLengthPrefix((byte)first);
        if (length == 0)
        {
            throw new GobException("empty message");
        }
        if (length > (ulong)_maxMessageBytes)
        {
            throw new GobException($"message of {length} bytes exceeds the limit of {_maxMessageBytes} bytes");
        }
        if (length > (ulong)maxBytes)
        {
            throw new GobException(refusal ?? $"message of {length} bytes exceeds the limit of {maxBytes} bytes");
        }
        var size = (int)length;
        if (_buffer.Length > KeptBufferBytes)
        {
            _buffer = new byte[InitialBufferBytes];
        }
        // The buffer grows with the bytes that arrive, never ahead of them: a length prefix
        // alone costs nothing like the length it claims.
        var read = 0;
        while (read < size)
        {
            if (read == _buffer.Length)
            {
                Array.Resize(ref _buffer, (int)Math.Min(2L * _buffer.Length, size));
            }
            var n = _source.Read(_buffer, read, Math.Min(_buffer.Length, size) - read);
            if (n == 0)
            {
                throw new GobException($"stream ended inside a message ({read} of {size} bytes)");
            }
            read += n;
        }
        _position = 0;
        _end = size;
        return true;
    }

    /// <summary>
    /// Loads the next message where the value being decoded continues in it; one longer than
    /// <paramref name="maxBytes"/> is refused with <paramref name="refusal"/> before it is read.
    /// </summary>
    public void LoadContinuation(int maxBytes, string refusal)
    {
        if (!TryLoadMessage(maxBytes, refusal))
        {
            throw new GobException("stream ended inside a value that continues in a further message");
        }
    }

    public void DiscardRest() => _position = _end;

    public byte ReadByte()
    {
        if (_position >= _end)
        {
            throw new GobException("value runs past the end of its message");
        }
        return _buffer[_position++];
    }

    public ulong ReadUint()
    {
        var first = ReadByte();
        if (first < 0x80)
        {
            return first;
        }
        var count = 256 - first;
        if (count > 8)
        {
            throw new GobException($"unsigned integer claims {count} bytes (at most 8)");
        }
        var bytes = ReadSpan((ulong)count);
        ulong value = 0;
        foreach (var b in bytes)
        {
            value = (value << 8) | b;
        }
        return value;
    }

    public long ReadInt()
    {
        var u = ReadUint();
        return (u & 1) == 0 ? (long)(u >> 1) : ~(long)(u >> 1);
    }

    public double ReadFloat() =>
        BitConverter.UInt64BitsToDouble(BinaryPrimitives.ReverseEndianness(ReadUint()));

    /// <summary>Reads a length taken from the wire and refuses one that the message cannot hold.</summary>
    public int ReadLength(string what)
    {
        var length = ReadUint();
        if (length > (ulong)Remaining)
        {
            throw new GobException($"{what} length {length} exceeds the {Remaining} bytes left in the message");
        }
        return (int)length;
    }

    public ReadOnlySpan<byte> ReadSpan(ulong length)
    {
        if (length > (ulong)Remaining)
        {
            throw new GobException($"{length} bytes requested but only {Remaining} left in the message");
        }
        var span = _buffer.AsSpan(_position, (int)length);
        _position += (int)length;
        return span;
    }

    public string ReadString()
    {
        var bytes = ReadSpan((ulong)ReadLength("string"));
        return Encoding.UTF8.GetString(bytes);
    }

    private ulong ReadLengthPrefix(byte first)
    {
        if (first < 0x80)
        {
            return first;
        }
        var count = 256 - first;
        if (count > 8)
        {
            throw new GobException($"message length claims {count} bytes (at most 8)");
        }
        ulong value = 0;
        for (var i = 0; i < count; i++)
        {
            var b = _source.ReadByte();
            if (b < 0)
            {
                throw new GobException("stream ended inside a message length");
            }
            value = (value << 8) | (byte)b;
        }
        return value;
    }
}
