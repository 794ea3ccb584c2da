using System.Text;

namespace ApisixPlugin.GoPlugin.Gob;

/// <summary>
/// One direction of a gob stream: reads type definitions and values for the stream's whole life
/// (definitions are sent once per stream) and builds each value as a <see cref="GobValue"/> tree
/// from the wire definitions alone — fields by name, never by a hard-coded incoming type id.
/// </summary>
internal sealed class GobStreamDecoder
{
    /// <summary>Deeper than any Rollout (about 20 levels); stops stack exhaustion on hostile input.</summary>
    public const int MaxDepth = 100;
    private const int MaxInterfaceNameBytes = 1024;

    private readonly GobMessageReader _reader;

    public GobStreamDecoder(Stream source, int maxMessageBytes = GobMessageReader.DefaultMaxMessageBytes)
    {
        _reader = new GobMessageReader(source, maxMessageBytes);
    }

    public GobTypeTable Types { get; } = new();

    /// <summary>The next top-level value; null when the stream ended cleanly between messages.</summary>
    public GobValue? DecodeNext()
    {
        while (_reader.TryLoadMessage())
        {
            var id = _reader.ReadInt();
            if (id < 0)
            {
                Types.Define(-id, GobWireTypeReader.Read(_reader));
                if (_reader.Remaining > 0)
                {
                    throw new GobException($"extra data after the definition of type id {-id}");
                }
                continue;
            }
            var value = DecodeTopLevel(id);
            // Go's decoder drops whatever a message holds past its value; so do we.
            _reader.DiscardRest();
            return value;
        }
        return null;
    }

    private GobValue DecodeTopLevel(long id)
    {
        var typeId = CheckId(id);
        if (Types.Find(typeId) is { IsStruct: true } structType)
        {
            return DecodeStruct(structType, 0);
        }
        return DecodeSingleton(typeId, 0);
    }

    /// <summary>A non-struct value stands alone behind a zero field delta.</summary>
    private GobValue DecodeSingleton(int typeId, int depth)
    {
        var delta = _reader.ReadUint();
        if (delta != 0)
        {
            throw new GobException($"non-zero delta {delta} before a non-struct value");
        }
        return DecodeValue(typeId, depth);
    }

    private GobValue DecodeValue(int typeId, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new GobException($"value nested deeper than {MaxDepth} levels");
        }
        switch (typeId)
        {
            case GobTypeIds.Bool: return GobValue.OfBool(_reader.ReadUint() != 0);
            case GobTypeIds.Int: return GobValue.OfInt(_reader.ReadInt());
            case GobTypeIds.Uint: return GobValue.OfUint(_reader.ReadUint());
            case GobTypeIds.Float: return GobValue.OfFloat(_reader.ReadFloat());
            case GobTypeIds.Bytes: return GobValue.OfBytes(_reader.ReadByteArray());
            case GobTypeIds.String: return GobValue.OfString(_reader.ReadString());
            case GobTypeIds.Complex:
                var real = _reader.ReadFloat();
                return GobValue.OfComplex(real, _reader.ReadFloat());
            case GobTypeIds.Interface: return DecodeInterface(depth);
            case < GobTypeIds.FirstUserId:
                throw new GobException($"values of predefined type id {typeId} are not supported");
        }
        var type = Types.Get(typeId);
        return type.Kind switch
        {
            GobWireKind.Struct => DecodeStruct(type, depth),
            GobWireKind.Slice => DecodeList(type, typeId, depth, fixedLength: null),
            GobWireKind.Array => DecodeList(type, typeId, depth, fixedLength: type.Length),
            GobWireKind.Map => DecodeMap(type, typeId, depth),
            _ => GobValue.OfEncoded(type.Name, _reader.ReadByteArray()),
        };
    }

    private GobValue DecodeStruct(GobWireType type, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new GobException($"value nested deeper than {MaxDepth} levels");
        }
        var fields = new Dictionary<string, GobValue>(StringComparer.Ordinal);
        var field = -1;
        while (true)
        {
            var delta = _reader.ReadUint();
            if (delta == 0)
            {
                return GobValue.OfStruct(type.Name, fields);
            }
            if (delta > (ulong)(type.Fields.Count - 1 - field))
            {
                throw new GobException($"field delta {delta} runs past the {type.Fields.Count} fields of struct {type.Name}");
            }
            field += (int)delta;
            var definition = type.Fields[field];
            fields[definition.Name] = DecodeValue(definition.TypeId, depth + 1);
        }
    }

    private GobValue DecodeList(GobWireType type, int typeId, int depth, long? fixedLength)
    {
        var count = _reader.ReadUint();
        if (fixedLength is { } length && count != (ulong)length)
        {
            throw new GobException($"array {type.Name} has {count} elements, its type says {length}");
        }
        CheckCount(count, typeId, type.Name);
        var items = new List<GobValue>((int)Math.Min(count, 1024));
        for (ulong i = 0; i < count; i++)
        {
            items.Add(DecodeValue(type.ElemId, depth + 1));
        }
        return GobValue.OfList(items);
    }

    private GobValue DecodeMap(GobWireType type, int typeId, int depth)
    {
        var count = _reader.ReadUint();
        CheckCount(count, typeId, type.Name);
        var entries = new List<KeyValuePair<GobValue, GobValue>>((int)Math.Min(count, 1024));
        for (ulong i = 0; i < count; i++)
        {
            var key = DecodeValue(type.KeyId, depth + 1);
            entries.Add(new(key, DecodeValue(type.ElemId, depth + 1)));
        }
        return GobValue.OfMap(entries);
    }

    /// <summary>
    /// Every element takes at least one byte, so a count beyond the message is hostile — unless
    /// the elements hold interfaces, whose definitions may split the value over further messages.
    /// </summary>
    private void CheckCount(ulong count, int typeId, string name)
    {
        if (count > (ulong)_reader.Remaining && !Types.ContainsInterface(typeId))
        {
            throw new GobException($"{name} claims {count} elements but only {_reader.Remaining} bytes are left in the message");
        }
    }

    private GobValue DecodeInterface(int depth)
    {
        var nameLength = _reader.ReadUint();
        if (nameLength == 0)
        {
            return GobValue.OfInterface("", null);
        }
        if (nameLength > MaxInterfaceNameBytes)
        {
            throw new GobException($"interface type name of {nameLength} bytes (at most {MaxInterfaceNameBytes})");
        }
        var name = Encoding.UTF8.GetString(_reader.ReadSpan(nameLength));
        var concreteId = ReadTypeSequence();
        _ = _reader.ReadUint(); // byte count of the value; informational only
        var typeId = CheckId(concreteId);
        var concrete = Types.Find(typeId) is { IsStruct: true } structType
            ? DecodeStruct(structType, depth + 1)
            : DecodeSingleton(typeId, depth + 1);
        return GobValue.OfInterface(name, concrete);
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
                _reader.LoadContinuation();
            }
            var id = _reader.ReadInt();
            if (id >= 0)
            {
                return id;
            }
            Types.Define(-id, GobWireTypeReader.Read(_reader));
            if (_reader.Remaining > 0)
            {
                // Nested definitions are followed by the count of the delimited value after them.
                _ = _reader.ReadUint();
            }
        }
    }

    private static int CheckId(long id) =>
        id is > 0 and <= int.MaxValue ? (int)id : throw new GobException($"invalid type id {id} for a value");
}
