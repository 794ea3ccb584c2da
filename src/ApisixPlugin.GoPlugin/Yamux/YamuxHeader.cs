using System.Buffers.Binary;

namespace ApisixPlugin.GoPlugin.Yamux;

internal enum YamuxFrameType : byte
{
    Data = 0,
    WindowUpdate = 1,
    Ping = 2,
    GoAway = 3,
}

[Flags]
internal enum YamuxFlags : ushort
{
    None = 0,
    Syn = 1,
    Ack = 2,
    Fin = 4,
    Rst = 8,
}

internal enum YamuxGoAwayCode : uint
{
    Normal = 0,
    ProtocolError = 1,
    InternalError = 2,
}

/// <summary>yamux's 12-byte big-endian frame header: version, type, flags, stream id, length.</summary>
internal readonly record struct YamuxHeader(byte Version, YamuxFrameType Type, YamuxFlags Flags, uint StreamId, uint Length)
{
    public const int Size = 12;

    public static YamuxHeader Create(YamuxFrameType type, YamuxFlags flags, uint streamId, uint length) =>
        new(0, type, flags, streamId, length);

    /// <summary>Reads the fields as they are; the session decides what is acceptable.</summary>
    public static YamuxHeader Parse(ReadOnlySpan<byte> bytes) => new(
        bytes[0],
        (YamuxFrameType)bytes[1],
        (YamuxFlags)BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]),
        BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]),
        BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]));

    public void WriteTo(Span<byte> bytes)
    {
        bytes[0] = Version;
        bytes[1] = (byte)Type;
        BinaryPrimitives.WriteUInt16BigEndian(bytes[2..], (ushort)Flags);
        BinaryPrimitives.WriteUInt32BigEndian(bytes[4..], StreamId);
        BinaryPrimitives.WriteUInt32BigEndian(bytes[8..], Length);
    }

    public bool Has(YamuxFlags flag) => (Flags & flag) == flag;

    public override string ToString() => $"{Type} flags={Flags} stream={StreamId} length={Length}";
}
