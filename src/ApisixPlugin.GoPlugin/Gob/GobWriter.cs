using System.Buffers;
using System.Text;

namespace ApisixPlugin.GoPlugin.Gob;

/// <summary>Builds gob messages: primitives into a payload, then the payload behind its length.</summary>
internal sealed class GobWriter
{
    private readonly ArrayBufferWriter<byte> _output;
    private readonly ArrayBufferWriter<byte> _payload = new(256);

    public GobWriter(ArrayBufferWriter<byte> output) => _output = output;

    public void WriteUint(ulong value) => WriteUintTo(_payload, value);

    public void WriteInt(long value) =>
        WriteUint(value < 0 ? ((ulong)~value << 1) | 1 : (ulong)value << 1);

    public void WriteString(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteUint((ulong)bytes.Length);
        _payload.Write(bytes);
    }

    /// <summary>Moves the payload to the output as one message: <c>uint(length) payload</c>.</summary>
    public void EndMessage()
    {
        WriteUintTo(_output, (ulong)_payload.WrittenCount);
        _output.Write(_payload.WrittenSpan);
        _payload.ResetWrittenCount();
    }

    public static void WriteUintTo(IBufferWriter<byte> output, ulong value)
    {
        if (value < 0x80)
        {
            output.GetSpan(1)[0] = (byte)value;
            output.Advance(1);
            return;
        }
        var count = (64 - ulong.LeadingZeroCount(value) + 7) / 8;
        var span = output.GetSpan(1 + (int)count);
        span[0] = (byte)(256 - (int)count);
        for (var i = 0; i < (int)count; i++)
        {
            span[1 + i] = (byte)(value >> (8 * ((int)count - 1 - i)));
        }
        output.Advance(1 + (int)count);
    }
}
