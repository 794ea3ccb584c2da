namespace ApisixPlugin.GoPlugin.Gob;

/// <summary>
/// Decodes a type definition: gob's predefined <c>wireType</c> struct, whose layout is fixed by
/// encoding/gob (doc.go), so it is read directly instead of through the generic decoder.
/// </summary>
internal sealed class GobWireTypeReader
{
    private readonly GobMessageReader _reader;
    private readonly int _start;
    private readonly int _maxBytes;

    private GobWireTypeReader(GobMessageReader reader, int maxBytes)
    {
        _reader = reader;
        _start = _reader.Position;
        _maxBytes = maxBytes;
    }

    /// <summary>
    /// Reads one definition, refusing it once it takes more than <paramref name="maxBytes"/>:
    /// what the stream's allowance for definitions has left. Names and fields are checked as
    /// they come, so a refused definition never costs much more than its allowance.
    /// </summary>
    public static GobWireType Read(GobMessageReader reader, int maxBytes = GobLimits.MaxDefinitionBytesPerStream) =>
        new GobWireTypeReader(reader, maxBytes).ReadWireType();

    private GobWireType ReadWireType()
    {
        GobWireType? result = null;
        ReadStruct(_reader, "wireType", field =>
        {
            if (result is not null)
            {
                throw new GobException("type definition sets more than one kind of type");
            }
            result = field switch
            {
                0 => ReadArray(),
                1 => ReadSlice(),
                2 => ReadStructType(),
                3 => ReadMap(),
                4 => ReadEncoder(GobWireKind.GobEncoder),
                5 => ReadEncoder(GobWireKind.BinaryMarshaler),
                6 => ReadEncoder(GobWireKind.TextMarshaler),
                _ => throw new GobException($"type definition has unknown field {field}"),
            };
        });
        return result ?? throw new GobException("type definition sets no kind of type");
    }

    private GobWireType ReadArray()
    {
        var name = "";
        int elem = 0;
        long length = 0;
        ReadStruct(_reader, "arrayType", field =>
        {
            switch (field)
            {
                case 0: name = ReadCommonType(); break;
                case 1: elem = ReadTypeId(_reader); break;
                case 2:
                    length = _reader.ReadInt();
                    if (length < 0)
                    {
                        throw new GobException($"array type {name} has negative length {length}");
                    }
                    break;
                default: throw new GobException($"arrayType has unknown field {field}");
            }
        });
        return new GobWireType { Kind = GobWireKind.Array, Name = name, ElemId = RequireId(elem, name), Length = length };
    }

    private GobWireType ReadSlice()
    {
        var name = "";
        int elem = 0;
        ReadStruct(_reader, "sliceType", field =>
        {
            switch (field)
            {
                case 0: name = ReadCommonType(); break;
                case 1: elem = ReadTypeId(_reader); break;
                default: throw new GobException($"sliceType has unknown field {field}");
            }
        });
        return new GobWireType { Kind = GobWireKind.Slice, Name = name, ElemId = RequireId(elem, name) };
    }

    private GobWireType ReadMap()
    {
        var name = "";
        int key = 0, elem = 0;
        ReadStruct(_reader, "mapType", field =>
        {
            switch (field)
            {
                case 0: name = ReadCommonType(); break;
                case 1: key = ReadTypeId(_reader); break;
                case 2: elem = ReadTypeId(_reader); break;
                default: throw new GobException($"mapType has unknown field {field}");
            }
        });
        return new GobWireType { Kind = GobWireKind.Map, Name = name, KeyId = RequireId(key, name), ElemId = RequireId(elem, name) };
    }

    private GobWireType ReadStructType()
    {
        var name = "";
        var fields = new List<GobField>();
        ReadStruct(_reader, "structType", field =>
        {
            switch (field)
            {
                case 0: name = ReadCommonType(); break;
                case 1:
                    // Each field takes at least two bytes, so the count is checked against the message.
                    var count = _reader.ReadUint();
                    if (count > (ulong)_reader.Remaining / 2)
                    {
                        throw new GobException($"struct type {name} claims {count} fields, more than its message holds");
                    }
                    for (ulong i = 0; i < count; i++)
                    {
                        fields.Add(ReadFieldType());
                        CheckSize();
                    }
                    break;
                default: throw new GobException($"structType has unknown field {field}");
            }
        });
        return new GobWireType { Kind = GobWireKind.Struct, Name = name, Fields = fields };
    }

    private GobField ReadFieldType()
    {
        var name = "";
        int id = 0;
        ReadStruct(_reader, "fieldType", field =>
        {
            switch (field)
            {
                case 0: name = ReadName(); break;
                case 1: id = ReadTypeId(_reader); break;
                default: throw new GobException($"fieldType has unknown field {field}");
            }
        });
        return new GobField(name, RequireId(id, "field " + name));
    }

    private GobWireType ReadEncoder(GobWireKind kind)
    {
        var name = "";
        ReadStruct(_reader, "gobEncoderType", field =>
        {
            if (field != 0)
            {
                throw new GobException($"gobEncoderType has unknown field {field}");
            }
            name = ReadCommonType();
        });
        return new GobWireType { Kind = kind, Name = name };
    }

    /// <summary>CommonType{Name string; Id typeId}: the name is informational, the id is implied.</summary>
    private string ReadCommonType()
    {
        var name = "";
        ReadStruct(_reader, "CommonType", field =>
        {
            switch (field)
            {
                case 0: name = ReadName(); break;
                case 1: _reader.ReadInt(); break;
                default: throw new GobException($"CommonType has unknown field {field}");
            }
        });
        return name;
    }

    /// <summary>A type or field name, refused before it is decoded if it would overrun the allowance.</summary>
    private string ReadName()
    {
        var length = _reader.ReadLength("type name");
        if (_reader.Position + length - _start > _maxBytes)
        {
            throw TooLarge();
        }
        return System.Text.Encoding.UTF8.GetString(_reader.ReadSpan((ulong)length));
    }

    private void CheckSize()
    {
        if (_reader.Position - _start > _maxBytes)
        {
            throw TooLarge();
        }
    }

    private static GobException TooLarge() =>
        new($"type definitions on this stream take more than {GobLimits.MaxDefinitionBytesPerStream} bytes");

    private static int ReadTypeId(GobMessageReader reader)
    {
        var id = reader.ReadInt();
        if (id <= 0 || id > int.MaxValue)
        {
            throw new GobException($"type definition refers to invalid type id {id}");
        }
        return (int)id;
    }

    private static int RequireId(int id, string what) =>
        id > 0 ? id : throw new GobException($"type definition of {what} lacks an element, key or field type");

    /// <summary>Reads <c>(delta, value)*</c> up to the terminating 0, calling back with each field number.</summary>
    private static void ReadStruct(GobMessageReader reader, string what, Action<int> onField)
    {
        var field = -1;
        while (true)
        {
            var delta = reader.ReadUint();
            if (delta == 0)
            {
                return;
            }
            if (delta > 16 || field + (int)delta > 16)
            {
                throw new GobException($"{what} field delta {delta} out of range");
            }
            field += (int)delta;
            onField(field);
        }
    }
}
