using System.Buffers;
using ApisixPlugin.GoPlugin.Gob;

namespace ApisixPlugin.GoPlugin.Testing;

/// <summary>
/// Builds gob byte streams the way Go's encoder lays them out, for decoder tests: type
/// definitions as wireType structs and values written field by field.
/// </summary>
internal sealed class GobBytes
{
    private readonly ArrayBufferWriter<byte> _output = new();

    public GobBytes() => Writer = new GobWriter(_output);

    public GobWriter Writer { get; }

    public byte[] ToArray() => _output.WrittenSpan.ToArray();

    public MemoryStream ToStream() => new(ToArray());

    /// <summary>One message whose payload the callback writes.</summary>
    public GobBytes Message(Action<GobWriter> payload)
    {
        payload(Writer);
        Writer.EndMessage();
        return this;
    }

    public GobBytes Raw(params byte[] bytes)
    {
        _output.Write(bytes);
        return this;
    }

    /// <summary>
    /// type S struct{ A int }; one []S value of <paramref name="count"/> elements of three bytes
    /// each (ids <paramref name="structId"/> and +1): small on the wire, many objects decoded.
    /// </summary>
    public static byte[] ManySmallStructs(int structId, int count) =>
        new GobBytes()
            .DefineStruct(structId, "S", ("A", GobTypeIds.Int))
            .DefineSlice(structId + 1, "Many", structId)
            .Message(w =>
            {
                w.WriteInt(structId + 1);
                w.WriteUint(0);
                w.WriteUint((ulong)count);
                for (var i = 0; i < count; i++)
                {
                    w.WriteUint(1);
                    w.WriteInt(1);
                    w.WriteUint(0);
                }
            }).ToArray();

    public GobBytes DefineStruct(int id, string name, params (string Name, int TypeId)[] fields) =>
        Message(w => { w.WriteInt(-id); StructType(w, id, name, fields); });

    public GobBytes DefineSlice(int id, string name, int elem) =>
        Message(w => { w.WriteInt(-id); SliceType(w, id, name, elem); });

    public GobBytes DefineMap(int id, string name, int key, int elem) =>
        Message(w => { w.WriteInt(-id); MapType(w, id, name, key, elem); });

    public GobBytes DefineArray(int id, string name, int elem, int length) =>
        Message(w =>
        {
            w.WriteInt(-id);
            w.WriteUint(1); // ArrayT
            w.WriteUint(1);
            Common(w, id, name);
            w.WriteUint(1);
            w.WriteInt(elem);
            w.WriteUint(1);
            w.WriteInt(length);
            w.WriteUint(0);
            w.WriteUint(0);
        });

    public GobBytes DefineGobEncoder(int id, string name) =>
        Message(w =>
        {
            w.WriteInt(-id);
            w.WriteUint(5); // GobEncoderT
            w.WriteUint(1);
            Common(w, id, name);
            w.WriteUint(0);
            w.WriteUint(0);
        });

    /// <summary>wireType{StructT: ...} without the leading -id.</summary>
    public static void StructType(GobWriter w, int id, string name, params (string Name, int TypeId)[] fields)
    {
        w.WriteUint(3);
        w.WriteUint(1);
        Common(w, id, name);
        if (fields.Length > 0)
        {
            w.WriteUint(1);
            w.WriteUint((ulong)fields.Length);
            foreach (var (fieldName, typeId) in fields)
            {
                w.WriteUint(1);
                w.WriteString(fieldName);
                w.WriteUint(1);
                w.WriteInt(typeId);
                w.WriteUint(0);
            }
        }
        w.WriteUint(0);
        w.WriteUint(0);
    }

    public static void SliceType(GobWriter w, int id, string name, int elem)
    {
        w.WriteUint(2);
        w.WriteUint(1);
        Common(w, id, name);
        w.WriteUint(1);
        w.WriteInt(elem);
        w.WriteUint(0);
        w.WriteUint(0);
    }

    public static void MapType(GobWriter w, int id, string name, int key, int elem)
    {
        w.WriteUint(4);
        w.WriteUint(1);
        Common(w, id, name);
        w.WriteUint(1);
        w.WriteInt(key);
        w.WriteUint(1);
        w.WriteInt(elem);
        w.WriteUint(0);
        w.WriteUint(0);
    }

    private static void Common(GobWriter w, int id, string name)
    {
        if (name.Length > 0)
        {
            w.WriteUint(1);
            w.WriteString(name);
            w.WriteUint(1);
        }
        else
        {
            w.WriteUint(2);
        }
        w.WriteInt(id);
        w.WriteUint(0);
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static string ToHex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    /// <summary>Spec notation: hex bytes and "quoted" strings, e.g. <c>01 08 "Response"</c>.</summary>
    public static byte[] Spec(string notation)
    {
        var bytes = new List<byte>();
        var i = 0;
        while (i < notation.Length)
        {
            var c = notation[i];
            if (c == ' ')
            {
                i++;
            }
            else if (c == '"')
            {
                var end = notation.IndexOf('"', i + 1);
                bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(notation[(i + 1)..end]));
                i = end + 1;
            }
            else
            {
                bytes.Add(Convert.ToByte(notation.Substring(i, 2), 16));
                i += 2;
            }
        }
        return [.. bytes];
    }
}
