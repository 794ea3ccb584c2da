using System.Buffers;
using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Testing;

namespace ApisixPlugin.GoPlugin.Tests.Gob;

/// <summary>gob's variable-length numbers, checked against the examples in the spec (section 5).</summary>
public sealed class GobPrimitiveTests
{
    [Theory]
    [InlineData(0UL, "00")]
    [InlineData(7UL, "07")]
    [InlineData(127UL, "7f")]
    [InlineData(128UL, "ff80")]
    [InlineData(256UL, "fe0100")]
    [InlineData(ulong.MaxValue, "f8ffffffffffffffff")]
    public void Uint_encodes_as_in_the_spec(ulong value, string hex)
    {
        var output = new ArrayBufferWriter<byte>();
        GobWriter.WriteUintTo(output, value);
        Assert.Equal(hex, GobBytes.ToHex(output.WrittenSpan));
        Assert.Equal(value, ReaderOver(output.WrittenSpan.ToArray()).ReadUint());
    }

    [Theory]
    [InlineData(3L, "06")]
    [InlineData(-1L, "01")]
    [InlineData(300L, "fe0258")]
    [InlineData(-65L, "ff81")]
    [InlineData(65L, "ff82")]
    [InlineData(long.MinValue, "f8ffffffffffffffff")]
    [InlineData(long.MaxValue, "f8fffffffffffffffe")]
    public void Int_encodes_as_in_the_spec(long value, string hex)
    {
        var bytes = Payload(w => w.WriteInt(value));
        Assert.Equal(hex, GobBytes.ToHex(bytes));
        Assert.Equal(value, ReaderOver(bytes).ReadInt());
    }

    [Fact]
    public void Float_17_is_fe_31_40()
    {
        var reader = ReaderOver(GobBytes.Hex("fe3140"));
        Assert.Equal(17.0, reader.ReadFloat());
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-2.5)]
    [InlineData(1e300)]
    [InlineData(double.NegativeInfinity)]
    public void Float_round_trips_through_byte_reversed_bits(double value)
    {
        var bits = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(BitConverter.DoubleToUInt64Bits(value));
        var bytes = Payload(w => w.WriteUint(bits));
        Assert.Equal(value, ReaderOver(bytes).ReadFloat());
    }

    [Fact]
    public void String_is_length_then_utf8()
    {
        var bytes = Payload(w => w.WriteString("héllo"));
        Assert.Equal("06" + GobBytes.ToHex("héllo"u8), GobBytes.ToHex(bytes));
        Assert.Equal("héllo", ReaderOver(bytes).ReadString());
    }

    [Fact]
    public void Uint_with_more_than_eight_bytes_is_refused()
    {
        var error = Assert.Throws<GobException>(() => ReaderOver(GobBytes.Hex("f7 010203040506070809")).ReadUint());
        Assert.Contains("at most 8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void String_longer_than_its_message_is_refused()
    {
        var error = Assert.Throws<GobException>(() => ReaderOver(GobBytes.Hex("f8 7fffffffffffffff 41")).ReadString());
        Assert.Contains("exceeds", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A reader positioned inside one message holding exactly these bytes.</summary>
    internal static GobMessageReader ReaderOver(byte[] payload)
    {
        var framed = new ArrayBufferWriter<byte>();
        GobWriter.WriteUintTo(framed, (ulong)payload.Length);
        framed.Write(payload);
        var reader = new GobMessageReader(new MemoryStream(framed.WrittenSpan.ToArray()));
        Assert.True(reader.TryLoadMessage());
        return reader;
    }

    private static byte[] Payload(Action<GobWriter> write)
    {
        var message = GobReplyEncoder.Encode(w =>
        {
            write(w);
            w.EndMessage();
        });
        // Drop the length prefix: the payload alone.
        var reader = new GobMessageReader(new MemoryStream(message));
        Assert.True(reader.TryLoadMessage());
        return reader.ReadSpan((ulong)reader.Remaining).ToArray();
    }
}
