using System.Text;

namespace ApisixPlugin.GoPlugin.Gob;

/// <summary>
/// One direction of a gob stream: reads type definitions and values for the stream's whole life
/// (definitions are sent once per stream) and builds each value as a <see cref="GobValue"/> tree
/// from the wire definitions alone — fields by name, never by a hard-coded incoming type id.
/// </summary>
/// <remarks>
/// Every allocation a value causes is charged, before it is made, against what its messages
/// allow (<see cref="GobLimits"/>): a small multiple of their size, never more than an absolute
/// cap. Counts taken from the wire are checked against the bytes that could carry them, so no
/// array is sized by a claim alone.
/// </remarks>
internal sealed class GobStreamDecoder
{
    // What the charged allocations cost on the heap (64-bit): an array's or a string's header
    // and length, a reference, a key-value pair of references.
    private const int ArrayBytes = 24;
    private const int StringBytes = 24;
    private const int ReferenceBytes = 8;
    private const int PairBytes = 16;
    // The fields stack keeps this many slots between values; a hostile value's are dropped.
    private const int KeptFieldSlots = 1024;

    private readonly GobMessageReader _reader;
    // Fields of the structs being decoded, innermost last: each struct moves its own into an
    // exact-size array when it ends, so no struct holds a growable collection.
    private readonly List<KeyValuePair<string, GobValue>> _fields = [];

    public GobStreamDecoder(Stream source, int maxMessageBytes = GobLimits.MaxMessageBytes)
    {
        _reader = new GobMessageReader(source, maxMessageBytes);
    }

    public GobTypeTable Types { get; } = new();

    /// <summary>Bytes of the messages the last value (or the one being decoded) was read from.</summary>
    public long LastValueWireBytes { get; private set; }

    /// <summary>The heap bytes charged for the last value (or the one being decoded).</summary>
    public long LastValueDecodedBytes { get; private set; }

    /// <summary>Bytes of the last value's final message that it did not read (dropped, as Go's decoder drops them).</summary>
    public int LastValueUnreadBytes { get; private set; }

    /// <summary>The next top-level value, whole; null when the stream ended cleanly between messages.</summary>
    public GobValue? DecodeNext() => DecodeNext(GobShape.All);

    /// <summary>The next top-level value built in <paramref name="shape"/>; null when the stream ended cleanly between messages.</summary>
    public GobValue? DecodeNext(GobShape shape)
    {
        while (_reader.TryLoadMessage())
        {
            var id = _reader.ReadInt();
            if (id < 0)
            {
                var allowance = GobLimits.MaxDefinitionBytesPerStream - (int)Types.DefinitionBytes;
                Types.Define(-id, GobWireTypeReader.Read(_reader, allowance), _reader.MessageLength);
                if (_reader.Remaining > 0)
                {
                    throw new GobException($"extra data after the definition of type id {-id}");
                }
                continue;
            }
            LastValueWireBytes = _reader.MessageLength;
            LastValueDecodedBytes = 0;
            try
            {
                var value = DecodeTopLevel(id, shape);
                // Go's decoder drops whatever a message holds past its value; so do we.
                LastValueUnreadBytes = _reader.Remaining;
                _reader.DiscardRest();
                return value;
            }
            finally
            {
                _fields.Clear();
                if (_fields.Capacity > KeptFieldSlots)
                {
                    _fields.Capacity = KeptFieldSlots;
                }
            }
        }
        return null;
    }

    private GobValue DecodeTopLevel(long id, GobShape shape)
    {
        var typeId = CheckId(id);
        if (Types.Find(typeId) is { IsStruct: true } structType)
        {
            return DecodeStruct(structType, 0, shape);
        }
        return DecodeSingleton(typeId, 0, shape);
    }

    /// <summary>A non-struct value stands alone behind a zero field delta.</summary>
    private GobValue DecodeSingleton(int typeId, int depth, GobShape shape)
    {
        ReadSingletonDelta();
        return DecodeValue(typeId, depth, shape);
    }

    private void ReadSingletonDelta()
    {
        var delta = _reader.ReadUint();
        if (delta != 0)
        {
            throw new GobException($"non-zero delta {delta} before a non-struct value");
        }
    }

    private GobValue DecodeValue(int typeId, int depth, GobShape shape)
    {
        CheckDepth(depth);
        switch (typeId)
        {
            case GobTypeIds.Bool: return GobValue.OfBool(_reader.ReadUint() != 0);
            case GobTypeIds.Int: return Charged(GobValue.OfInt(_reader.ReadInt()));
            case GobTypeIds.Uint: return Charged(GobValue.OfUint(_reader.ReadUint()));
            case GobTypeIds.Float: return Charged(GobValue.OfFloat(_reader.ReadFloat()));
            case GobTypeIds.Bytes: return GobValue.OfBytes(ReadBytes("byte slice"));
            case GobTypeIds.String: return GobValue.OfUtf8String(ReadStringBytes("string"));
            case GobTypeIds.Complex:
                Charge(GobValue.NodeBytes + ArrayBytes); // the node and the boxed imaginary part
                var real = _reader.ReadFloat();
                return GobValue.OfComplex(real, _reader.ReadFloat());
            case GobTypeIds.Interface: return DecodeInterface(depth, shape);
            case < GobTypeIds.FirstUserId:
                throw new GobException($"values of predefined type id {typeId} are not supported");
        }
        var type = Types.Get(typeId);
        return type.Kind switch
        {
            GobWireKind.Struct => DecodeStruct(type, depth, shape),
            GobWireKind.Slice => DecodeList(type, typeId, depth, fixedLength: null, shape),
            GobWireKind.Array => DecodeList(type, typeId, depth, fixedLength: type.Length, shape),
            GobWireKind.Map => DecodeMap(type, typeId, depth, shape),
            _ => GobValue.OfEncoded(type.Name, ReadBytes(type.Name)),
        };
    }

    private GobValue DecodeStruct(GobWireType type, int depth, GobShape shape)
    {
        CheckDepth(depth);
        var start = _fields.Count;
        var field = -1;
        while (NextField(type, ref field) is { } definition)
        {
            if (shape.Of(definition.Name) is not { } fieldShape)
            {
                SkipValue(definition.TypeId, depth + 1);
                continue;
            }
            Charge(PairBytes);
            _fields.Add(new(definition.Name, DecodeValue(definition.TypeId, depth + 1, fieldShape)));
        }
        var count = _fields.Count - start;
        if (count == 0)
        {
            if (type.EmptyValue is null)
            {
                Charge(GobValue.NodeBytes);
                type.EmptyValue = GobValue.OfStructFields(type.Name, []);
            }
            return type.EmptyValue;
        }
        Charge(GobValue.NodeBytes + ArrayBytes);
        var fields = new KeyValuePair<string, GobValue>[count];
        _fields.CopyTo(start, fields, 0, count);
        _fields.RemoveRange(start, count);
        return GobValue.OfStructFields(type.Name, fields);
    }

    /// <summary>The struct's next field sent, after <paramref name="field"/>; null at its end.</summary>
    private GobField? NextField(GobWireType type, ref int field)
    {
        var delta = _reader.ReadUint();
        if (delta == 0)
        {
            return null;
        }
        if (delta > (ulong)(type.Fields.Count - 1 - field))
        {
            throw new GobException($"field delta {delta} runs past the {type.Fields.Count} fields of struct {type.Name}");
        }
        field += (int)delta;
        return type.Fields[field];
    }

    private GobValue DecodeList(GobWireType type, int typeId, int depth, long? fixedLength, GobShape shape)
    {
        var count = ReadElementCount(type, fixedLength);
        if (count == 0)
        {
            return GobValue.OfList([]);
        }
        // Every element takes at least one byte: a count the message can hold sizes the array.
        if (count <= (ulong)_reader.Remaining)
        {
            Charge(GobValue.NodeBytes + ArrayBytes + ReferenceBytes * (long)count);
            var items = new GobValue[(int)count];
            for (var i = 0; i < items.Length; i++)
            {
                items[i] = DecodeValue(type.ElemId, depth + 1, shape);
            }
            return GobValue.OfList(items);
        }
        CheckSpanningCount(count, 1, typeId, type.Name);
        // Elements that pull further messages: grown as they arrive, the list and the final
        // array charged per element.
        var spanning = new List<GobValue>(Math.Min(_reader.Remaining, 1024));
        for (ulong i = 0; i < count; i++)
        {
            Charge(2 * ReferenceBytes);
            spanning.Add(DecodeValue(type.ElemId, depth + 1, shape));
        }
        Charge(GobValue.NodeBytes + ArrayBytes);
        return GobValue.OfList([.. spanning]);
    }

    private ulong ReadElementCount(GobWireType type, long? fixedLength)
    {
        var count = _reader.ReadUint();
        if (fixedLength is { } length && count != (ulong)length)
        {
            throw new GobException($"array {type.Name} has {count} elements, its type says {length}");
        }
        return count;
    }

    private GobValue DecodeMap(GobWireType type, int typeId, int depth, GobShape shape)
    {
        var count = _reader.ReadUint();
        if (count == 0)
        {
            return GobValue.OfMap([]);
        }
        // A key and a value: at least two bytes an entry.
        if (count <= (ulong)_reader.Remaining / 2)
        {
            Charge(GobValue.NodeBytes + ArrayBytes + PairBytes * (long)count);
            var entries = new KeyValuePair<GobValue, GobValue>[(int)count];
            for (var i = 0; i < entries.Length; i++)
            {
                var key = DecodeValue(type.KeyId, depth + 1, GobShape.All);
                entries[i] = new(key, DecodeValue(type.ElemId, depth + 1, shape));
            }
            return GobValue.OfMap(entries);
        }
        CheckSpanningCount(count, 2, typeId, type.Name);
        var spanning = new List<KeyValuePair<GobValue, GobValue>>(Math.Min(_reader.Remaining / 2, 1024));
        for (ulong i = 0; i < count; i++)
        {
            Charge(2 * PairBytes);
            var key = DecodeValue(type.KeyId, depth + 1, GobShape.All);
            spanning.Add(new(key, DecodeValue(type.ElemId, depth + 1, shape)));
        }
        Charge(GobValue.NodeBytes + ArrayBytes);
        return GobValue.OfMap([.. spanning]);
    }

    /// <summary>
    /// A count beyond the current message is hostile — unless the elements hold interfaces,
    /// whose definitions may split the value over further messages; even then it must fit in
    /// what the value may still span.
    /// </summary>
    private void CheckSpanningCount(ulong count, int minBytesEach, int typeId, string name)
    {
        if (!Types.ContainsInterface(typeId))
        {
            throw new GobException(minBytesEach == 1
                ? $"{name} claims {count} elements but only {_reader.Remaining} bytes are left in the message"
                : $"{name} claims {count} elements but only {_reader.Remaining} bytes are left in the message ({minBytesEach} at least each)");
        }
        var canSpan = GobLimits.MaxValueWireBytes - LastValueWireBytes + _reader.Remaining;
        if (count > (ulong)Math.Max(0, canSpan / minBytesEach))
        {
            throw new GobException($"{name} claims {count} elements, more than a value may span ({GobLimits.MaxValueWireBytes} bytes of messages)");
        }
    }

    private GobValue DecodeInterface(int depth, GobShape shape)
    {
        var nameBytes = ReadInterfaceName();
        if (nameBytes.IsEmpty)
        {
            return GobValue.OfInterface("", null);
        }
        Charge(GobValue.NodeBytes + StringBytes + 2L * nameBytes.Length);
        var name = Encoding.UTF8.GetString(nameBytes);
        var typeId = ReadInterfaceConcreteType();
        var concrete = Types.Find(typeId) is { IsStruct: true } structType
            ? DecodeStruct(structType, depth + 1, shape)
            : DecodeSingleton(typeId, depth + 1, shape);
        return GobValue.OfInterface(name, concrete);
    }

    /// <summary>The registered name of an interface's concrete type; empty for a nil interface.</summary>
    private ReadOnlySpan<byte> ReadInterfaceName()
    {
        var nameLength = _reader.ReadUint();
        if (nameLength > GobLimits.MaxInterfaceNameBytes)
        {
            throw new GobException($"interface type name of {nameLength} bytes (at most {GobLimits.MaxInterfaceNameBytes})");
        }
        return nameLength == 0 ? [] : _reader.ReadSpan(nameLength);
    }

    private int ReadInterfaceConcreteType()
    {
        var concreteId = ReadTypeSequence();
        _ = _reader.ReadUint(); // byte count of the value; informational only
        return CheckId(concreteId);
    }

    /// <summary>
    /// Definitions for an interface's concrete type come right before its id; the first use of a
    /// type flushes the message being built, so they may continue in further messages.
    /// </summary>
    private long ReadTypeSequence()
    {
        while (true)
        {
            if (_reader.Remaining == 0)
            {
                var allowed = (int)Math.Max(0, GobLimits.MaxValueWireBytes - LastValueWireBytes);
                _reader.LoadContinuation(allowed, $"value spans more than {GobLimits.MaxValueWireBytes} bytes of messages");
                LastValueWireBytes += _reader.MessageLength;
            }
            var start = _reader.Position;
            var id = _reader.ReadInt();
            if (id >= 0)
            {
                return id;
            }
            var allowance = GobLimits.MaxDefinitionBytesPerStream - (int)Types.DefinitionBytes;
            Types.Define(-id, GobWireTypeReader.Read(_reader, allowance), _reader.Position - start);
            if (_reader.Remaining > 0)
            {
                // Nested definitions are followed by the count of the delimited value after them.
                _ = _reader.ReadUint();
            }
        }
    }

    private byte[] ReadBytes(string what)
    {
        var length = _reader.ReadLength(what);
        if (length == 0)
        {
            return [];
        }
        Charge(GobValue.NodeBytes + ArrayBytes + length);
        return _reader.ReadSpan((ulong)length).ToArray();
    }

    /// <summary>
    /// A string's UTF-8 bytes, made into text only when read. Charged as the UTF-16 text it can
    /// become (at most two bytes per UTF-8 byte), so the limits hold whichever it ends as.
    /// </summary>
    private byte[] ReadStringBytes(string what)
    {
        var length = _reader.ReadLength(what);
        if (length == 0)
        {
            return [];
        }
        Charge(GobValue.NodeBytes + StringBytes + 2L * length);
        return _reader.ReadSpan((ulong)length).ToArray();
    }

    /// <summary>
    /// Reads past a value without building it: every length and count is checked as when it is
    /// built, type definitions inside its interfaces are kept (later values use them), and the
    /// time it takes is bounded by its bytes. Nothing is allocated, so nothing is charged.
    /// </summary>
    private void SkipValue(int typeId, int depth)
    {
        CheckDepth(depth);
        switch (typeId)
        {
            case GobTypeIds.Bool or GobTypeIds.Int or GobTypeIds.Uint or GobTypeIds.Float:
                _ = _reader.ReadUint();
                return;
            case GobTypeIds.Complex:
                _ = _reader.ReadUint();
                _ = _reader.ReadUint();
                return;
            case GobTypeIds.Bytes or GobTypeIds.String:
                _ = _reader.ReadSpan((ulong)_reader.ReadLength(typeId == GobTypeIds.Bytes ? "byte slice" : "string"));
                return;
            case GobTypeIds.Interface:
                SkipInterface(depth);
                return;
            case < GobTypeIds.FirstUserId:
                throw new GobException($"values of predefined type id {typeId} are not supported");
        }
        var type = Types.Get(typeId);
        switch (type.Kind)
        {
            case GobWireKind.Struct:
                SkipStruct(type, depth);
                return;
            case GobWireKind.Slice or GobWireKind.Array:
                var count = ReadElementCount(type, type.Kind == GobWireKind.Array ? type.Length : null);
                if (count > (ulong)_reader.Remaining)
                {
                    CheckSpanningCount(count, 1, typeId, type.Name);
                }
                for (ulong i = 0; i < count; i++)
                {
                    SkipValue(type.ElemId, depth + 1);
                }
                return;
            case GobWireKind.Map:
                var entries = _reader.ReadUint();
                if (entries > (ulong)_reader.Remaining / 2)
                {
                    CheckSpanningCount(entries, 2, typeId, type.Name);
                }
                for (ulong i = 0; i < entries; i++)
                {
                    SkipValue(type.KeyId, depth + 1);
                    SkipValue(type.ElemId, depth + 1);
                }
                return;
            default:
                _ = _reader.ReadSpan((ulong)_reader.ReadLength(type.Name));
                return;
        }
    }

    private void SkipStruct(GobWireType type, int depth)
    {
        CheckDepth(depth);
        var field = -1;
        while (NextField(type, ref field) is { } definition)
        {
            SkipValue(definition.TypeId, depth + 1);
        }
    }

    private void SkipInterface(int depth)
    {
        if (ReadInterfaceName().IsEmpty)
        {
            return;
        }
        var typeId = ReadInterfaceConcreteType();
        if (Types.Find(typeId) is { IsStruct: true } structType)
        {
            SkipStruct(structType, depth + 1);
            return;
        }
        ReadSingletonDelta();
        SkipValue(typeId, depth + 1);
    }

    private static void CheckDepth(int depth)
    {
        if (depth > GobLimits.MaxDepth)
        {
            throw new GobException($"value nested deeper than {GobLimits.MaxDepth} levels");
        }
    }

    /// <summary>Charges a node unless it is one of the shared one-byte values.</summary>
    private GobValue Charged(GobValue value)
    {
        if (!GobValue.IsShared(value))
        {
            Charge(GobValue.NodeBytes);
        }
        return value;
    }

    private void Charge(long bytes)
    {
        LastValueDecodedBytes += bytes;
        var limit = Math.Min(GobLimits.MaxDecodedBytes,
            (long)GobLimits.DecodedBytesPerWireByte * LastValueWireBytes + GobLimits.DecodedSlackBytes);
        if (LastValueDecodedBytes > limit)
        {
            throw new GobException(
                $"value would decode to more than {limit} bytes (allowed: {GobLimits.DecodedBytesPerWireByte} per byte of its " +
                $"{LastValueWireBytes} bytes of messages plus {GobLimits.DecodedSlackBytes}, at most {GobLimits.MaxDecodedBytes})");
        }
    }

    private static int CheckId(long id) =>
        id is > 0 and <= int.MaxValue ? (int)id : throw new GobException($"invalid type id {id} for a value");
}
