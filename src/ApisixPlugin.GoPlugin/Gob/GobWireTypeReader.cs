namespace ApisixPlugin.GoPlugin.Gob;

/// <summary>
/// Decodes a type definition: gob's predefined <c>wireType</c> struct, whose layout is fixed by
/// encoding/gob (doc.go), so it is read directly instead of through the generic decoder.
/// </summary>
internal static class GobWireTypeReader
{
    public static GobWireType Read(GobMessageReader reader)
    {
        GobWireType? result = null;
        ReadStruct(reader, "wireType", field =>
        {
            if (result is not null)
            {
                throw new GobException("type definition sets more than one kind of type");
            }
            result = field switch
            {
                0 => ReadArray(reader),
                1 => ReadSlice(reader),
                2 => ReadStructType(reader),
                3 => ReadMap(reader),
                4 => ReadEncoder(reader, GobWireKind.GobEncoder),
                5 => ReadEncoder(reader, GobWireKind.BinaryMarshaler),
                6 => ReadEncoder(reader, GobWireKind.TextMarshaler),
                _ => throw new GobException($"type definition has unknown field {field}"),
            };
        });
        return result ?? throw new GobException("type definition sets no kind of type");
    }

    private static GobWireType ReadArray(GobMessageReader reader)
    {
        var name = "";
        int elem = 0;
        long length = 0;
        ReadStruct(reader, "arrayType", field =>
        {
            switch (field)
            {
                case 0: name = ReadCommonType(reader); break;
                case 1: elem = ReadTypeId(reader); break;
                case 2:
                    length = reader.ReadInt();
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

    private static GobWireType ReadSlice(GobMessageReader reader)
    {
        var name = "";
        int elem = 0;
        ReadStruct(reader, "sliceType", field =>
        {
            switch (field)
            {
                case 0: name = ReadCommonType(reader); break;
                case 1: elem = ReadTypeId(reader); break;
                default: throw new GobException($"sliceType has unknown field {field}");
            }
        });
        return new GobWireType { Kind = GobWireKind.Slice, Name = name, ElemId = RequireId(elem, name) };
    }

    private static GobWireType ReadMap(GobMessageReader reader)
    {
        var name = "";
        int key = 0, elem = 0;
        ReadStruct(reader, "mapType", field =>
        {
            switch (field)
            {
                case 0: name = ReadCommonType(reader); break;
                case 1: key = ReadTypeId(reader); break;
                case 2: elem = ReadTypeId(reader); break;
                default: throw new GobException($"mapType has unknown field {field}");
            }
        });
        return new GobWireType { Kind = GobWireKind.Map, Name = name, KeyId = RequireId(key, name), ElemId = RequireId(elem, name) };
    }

    private static GobWireType ReadStructType(GobMessageReader reader)
    {
        var name = "";
        var fields = new List<GobField>();
        ReadStruct(reader, "structType", field =>
        {
            switch (field)
            {
                case 0: name = ReadCommonType(reader); break;
                case 1:
                    // Each field takes at least two bytes, so the count is checked against the message.
                    var count = reader.ReadUint();
                    if (count > (ulong)reader.Remaining / 2)
                    {
                        throw new GobException($"struct type {name} claims {count} fields, more than its message holds");
                    }
                    for (ulong i = 0; i < count; i++)
                    {
                        fields.Add(ReadFieldType(reader));
                    }
                    break;
                default: throw new GobException($"structType has unknown field {field}");
            }
        });
        return new GobWireType { Kind = GobWireKind.Struct, Name = name, Fields = fields };
    }

    private static GobField ReadFieldType(GobMessageReader reader)
    {
        var name = "";
        int id = 0;
        ReadStruct(reader, "fieldType", field =>
        {
            switch (field)
            {
                case 0: name = reader.ReadString(); break;
                case 1: id = ReadTypeId(reader); break;
                default: throw new GobException($"fieldType has unknown field {field}");
            }
        });
        return new GobField(name, RequireId(id, "field " + name));
    }

    private static GobWireType ReadEncoder(GobMessageReader reader, GobWireKind kind)
    {
        var name = "";
        ReadStruct(reader, "gobEncoderType", field =>
        {
            if (field != 0)
            {
                throw new GobException($"gobEncoderType has unknown field {field}");
            }
            name = ReadCommonType(reader);
        });
        return new GobWireType { Kind = kind, Name = name };
    }

    /// <summary>CommonType{Name string; Id typeId}: the name is informational, the id is implied.</summary>
    private static string ReadCommonType(GobMessageReader reader)
    {
        var name = "";
        ReadStruct(reader, "CommonType", field =>
        {
            switch (field)
            {
                case 0: name = reader.ReadString(); break;
                case 1: reader.ReadInt(); break;
                default: throw new GobException($"CommonType has unknown field {field}");
            }
        });
        return name;
    }

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
