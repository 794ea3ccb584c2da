using System.Globalization;

namespace ApisixPlugin.GoPlugin.Gob;

internal enum GobKind
{
    Bool,
    Int,
    Uint,
    Float,
    Complex,
    Bytes,
    String,
    Struct,
    List,
    Map,
    Interface,
    Encoded,
}

/// <summary>
/// A decoded gob value as a tree. Gob omits zero values, so the accessors answer a missing
/// field or a nil interface with the zero value instead of failing.
/// </summary>
internal sealed class GobValue
{
    private static readonly Dictionary<string, GobValue> NoFields = [];

    private GobValue(GobKind kind) => Kind = kind;

    public GobKind Kind { get; }
    /// <summary>Struct type name, interface concrete-type name, or encoder type name.</summary>
    public string TypeName { get; private init; } = "";
    public long Int { get; private init; }
    public ulong Uint { get; private init; }
    public double Float { get; private init; }
    public double Imaginary { get; private init; }
    public byte[] Bytes { get; private init; } = [];
    public string Text { get; private init; } = "";
    public IReadOnlyDictionary<string, GobValue> Fields { get; private init; } = NoFields;
    public IReadOnlyList<GobValue> Items { get; private init; } = [];
    public IReadOnlyList<KeyValuePair<GobValue, GobValue>> Entries { get; private init; } = [];
    /// <summary>The concrete value of an interface; null for a nil interface.</summary>
    public GobValue? Concrete { get; private init; }

    public static GobValue OfBool(bool value) => new(GobKind.Bool) { Uint = value ? 1UL : 0UL };
    public static GobValue OfInt(long value) => new(GobKind.Int) { Int = value };
    public static GobValue OfUint(ulong value) => new(GobKind.Uint) { Uint = value };
    public static GobValue OfFloat(double value) => new(GobKind.Float) { Float = value };
    public static GobValue OfComplex(double real, double imaginary) =>
        new(GobKind.Complex) { Float = real, Imaginary = imaginary };
    public static GobValue OfBytes(byte[] value) => new(GobKind.Bytes) { Bytes = value };
    public static GobValue OfString(string value) => new(GobKind.String) { Text = value };
    public static GobValue OfStruct(string typeName, Dictionary<string, GobValue> fields) =>
        new(GobKind.Struct) { TypeName = typeName, Fields = fields };
    public static GobValue OfList(List<GobValue> items) => new(GobKind.List) { Items = items };
    public static GobValue OfMap(List<KeyValuePair<GobValue, GobValue>> entries) =>
        new(GobKind.Map) { Entries = entries };
    public static GobValue OfInterface(string name, GobValue? concrete) =>
        new(GobKind.Interface) { TypeName = name, Concrete = concrete };
    public static GobValue OfEncoded(string typeName, byte[] bytes) =>
        new(GobKind.Encoded) { TypeName = typeName, Bytes = bytes };

    /// <summary>Looks through interfaces to the value they hold.</summary>
    public GobValue? Unwrapped => Kind == GobKind.Interface ? Concrete?.Unwrapped : this;

    /// <summary>A struct field by name (through interfaces); null when absent (a zero value).</summary>
    public GobValue? Field(string name)
    {
        var self = Unwrapped;
        return self is { Kind: GobKind.Struct } && self.Fields.TryGetValue(name, out var value) ? value : null;
    }

    /// <summary>Follows a path of struct field names; null as soon as one is absent.</summary>
    public GobValue? Path(params ReadOnlySpan<string> names)
    {
        GobValue? current = this;
        foreach (var name in names)
        {
            current = current?.Field(name);
        }
        return current;
    }

    public bool AsBool() => Unwrapped is { Kind: GobKind.Bool, Uint: 1 };

    public long AsInt64() => Unwrapped switch
    {
        { Kind: GobKind.Int } v => v.Int,
        { Kind: GobKind.Uint } v => unchecked((long)v.Uint),
        { Kind: GobKind.Float } v => (long)v.Float,
        _ => 0,
    };

    public ulong AsUint64() => Unwrapped switch
    {
        { Kind: GobKind.Uint } v => v.Uint,
        { Kind: GobKind.Int } v => unchecked((ulong)v.Int),
        _ => 0,
    };

    public string AsString() => Unwrapped switch
    {
        { Kind: GobKind.String } v => v.Text,
        { Kind: GobKind.Bytes } v => System.Text.Encoding.UTF8.GetString(v.Bytes),
        _ => "",
    };

    public byte[] AsBytes() => Unwrapped switch
    {
        { Kind: GobKind.Bytes or GobKind.Encoded } v => v.Bytes,
        { Kind: GobKind.String } v => System.Text.Encoding.UTF8.GetBytes(v.Text),
        _ => [],
    };

    public IReadOnlyList<GobValue> AsList() => Unwrapped is { Kind: GobKind.List } v ? v.Items : [];

    public IReadOnlyList<KeyValuePair<GobValue, GobValue>> AsMap() =>
        Unwrapped is { Kind: GobKind.Map } v ? v.Entries : [];

    public override string ToString() => Kind switch
    {
        GobKind.Bool => AsBool() ? "true" : "false",
        GobKind.Int => Int.ToString(CultureInfo.InvariantCulture),
        GobKind.Uint => Uint.ToString(CultureInfo.InvariantCulture),
        GobKind.Float => Float.ToString(CultureInfo.InvariantCulture),
        GobKind.String => Text,
        GobKind.Struct => $"{TypeName}{{{string.Join(", ", Fields.Select(f => f.Key + ":" + f.Value))}}}",
        GobKind.List => $"[{string.Join(", ", Items)}]",
        GobKind.Map => $"map[{string.Join(", ", Entries.Select(e => e.Key + ":" + e.Value))}]",
        GobKind.Interface => Concrete is null ? "nil" : $"({TypeName}){Concrete}",
        _ => $"{Kind}({Bytes.Length} bytes)",
    };
}
