using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace ApisixPlugin.GoPlugin.Gob;

internal enum GobKind : byte
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
/// <remarks>
/// Kept small because hostile input decodes into millions of these: one scalar and one reference
/// (48 bytes a node), struct fields and list items in exact-size arrays, and the values a single
/// wire byte can carry (bools, small numbers, empty strings and lists) shared.
/// </remarks>
internal sealed class GobValue
{
    /// <summary>What a node costs on the heap: object header, method table, three fields.</summary>
    public const int NodeBytes = 48;

    private static readonly GobValue[] SmallInts = Enumerable.Range(SmallIntMin, 128).Select(i => new GobValue(GobKind.Int, "", (ulong)i, null)).ToArray();
    private static readonly GobValue[] SmallUints = Enumerable.Range(0, 128).Select(i => new GobValue(GobKind.Uint, "", (ulong)i, null)).ToArray();
    private static readonly GobValue True = new(GobKind.Bool, "", 1, null);
    private static readonly GobValue False = new(GobKind.Bool, "", 0, null);
    private static readonly GobValue EmptyString = new(GobKind.String, "", 0, "");
    private static readonly GobValue EmptyBytes = new(GobKind.Bytes, "", 0, Array.Empty<byte>());
    private static readonly GobValue EmptyList = new(GobKind.List, "", 0, Array.Empty<GobValue>());
    private static readonly GobValue EmptyMap = new(GobKind.Map, "", 0, Array.Empty<KeyValuePair<GobValue, GobValue>>());
    private static readonly GobValue NilInterface = new(GobKind.Interface, "", 0, null);
    private const int SmallIntMin = -64;

    // Bool, Int, Uint: the number; Float and Complex: the (real) bits.
    private readonly ulong _scalar;
    // byte[] (Bytes, Encoded), string or its UTF-8 bytes (String), field pairs (Struct), GobValue[] (List),
    // entry pairs (Map), the concrete GobValue (Interface), boxed imaginary part (Complex).
    private readonly object? _ref;

    private GobValue(GobKind kind, string typeName, ulong scalar, object? reference)
    {
        Kind = kind;
        TypeName = typeName;
        _scalar = scalar;
        _ref = reference;
    }

    public GobKind Kind { get; }
    /// <summary>Struct type name, interface concrete-type name, or encoder type name.</summary>
    public string TypeName { get; }
    public long Int => Kind == GobKind.Int ? unchecked((long)_scalar) : 0;
    public ulong Uint => Kind is GobKind.Uint or GobKind.Bool ? _scalar : 0;
    public double Float => Kind is GobKind.Float or GobKind.Complex ? BitConverter.UInt64BitsToDouble(_scalar) : 0;
    public double Imaginary => _ref is double imaginary ? imaginary : 0;
    /// <summary>A byte slice's or a GobEncoder value's bytes; a string's are <see cref="AsBytes"/>.</summary>
    public byte[] Bytes => Kind is GobKind.Bytes or GobKind.Encoded && _ref is byte[] bytes ? bytes : [];
    /// <summary>A decoded string is kept as the UTF-8 bytes it came in, made into text only when read.</summary>
    public string Text => _ref switch
    {
        string text => text,
        byte[] utf8 when Kind == GobKind.String => System.Text.Encoding.UTF8.GetString(utf8),
        _ => "",
    };
    public IReadOnlyDictionary<string, GobValue> Fields => new FieldView(FieldArray);
    public IReadOnlyList<GobValue> Items => _ref as GobValue[] ?? [];
    public IReadOnlyList<KeyValuePair<GobValue, GobValue>> Entries => _ref as KeyValuePair<GobValue, GobValue>[] ?? [];
    /// <summary>The concrete value of an interface; null for a nil interface.</summary>
    public GobValue? Concrete => Kind == GobKind.Interface ? _ref as GobValue : null;

    private KeyValuePair<string, GobValue>[] FieldArray => _ref as KeyValuePair<string, GobValue>[] ?? [];

    /// <summary>Shared instances for the values that fit one wire byte, so they cost nothing each.</summary>
    public static bool IsShared(GobValue value) =>
        value.Kind switch
        {
            GobKind.Bool => true,
            GobKind.Int => value.Int is >= SmallIntMin and < SmallIntMin + 128,
            GobKind.Uint => value.Uint < 128,
            GobKind.String => value.IsEmptyString,
            GobKind.Bytes => value.Bytes.Length == 0 && value.TypeName.Length == 0,
            GobKind.List => value.Items.Count == 0,
            GobKind.Map => value.Entries.Count == 0,
            GobKind.Interface => value.Concrete is null && value.TypeName.Length == 0,
            _ => false,
        };

    public static GobValue OfBool(bool value) => value ? True : False;
    public static GobValue OfInt(long value) =>
        value is >= SmallIntMin and < SmallIntMin + 128 ? SmallInts[value - SmallIntMin] : new(GobKind.Int, "", unchecked((ulong)value), null);
    public static GobValue OfUint(ulong value) => value < 128 ? SmallUints[value] : new(GobKind.Uint, "", value, null);
    public static GobValue OfFloat(double value) => new(GobKind.Float, "", BitConverter.DoubleToUInt64Bits(value), null);
    public static GobValue OfComplex(double real, double imaginary) =>
        new(GobKind.Complex, "", BitConverter.DoubleToUInt64Bits(real), imaginary);
    public static GobValue OfBytes(byte[] value) => value.Length == 0 ? EmptyBytes : new(GobKind.Bytes, "", 0, value);
    public static GobValue OfString(string value) => value.Length == 0 ? EmptyString : new(GobKind.String, "", 0, value);

    /// <summary>
    /// A string as it came off the wire. Most strings of a Rollout (annotations, the pod
    /// template) are never read by the bridge: kept as UTF-8 they cost half the memory of UTF-16,
    /// a 64 KiB annotation stays off the large object heap, and no time goes to transcoding.
    /// </summary>
    public static GobValue OfUtf8String(byte[] utf8) => utf8.Length == 0 ? EmptyString : new(GobKind.String, "", 0, utf8);

    private bool IsEmptyString => _ref switch
    {
        string text => text.Length == 0,
        byte[] utf8 => utf8.Length == 0,
        _ => true,
    };
    public static GobValue OfStruct(string typeName, Dictionary<string, GobValue> fields) => OfStructFields(typeName, fields.ToArray());
    /// <summary>Fields in wire order; a name sent twice keeps the later value.</summary>
    public static GobValue OfStructFields(string typeName, KeyValuePair<string, GobValue>[] fields) =>
        new(GobKind.Struct, typeName, 0, fields);
    public static GobValue OfList(GobValue[] items) => items.Length == 0 ? EmptyList : new(GobKind.List, "", 0, items);
    public static GobValue OfMap(KeyValuePair<GobValue, GobValue>[] entries) =>
        entries.Length == 0 ? EmptyMap : new(GobKind.Map, "", 0, entries);
    public static GobValue OfInterface(string name, GobValue? concrete) =>
        concrete is null && name.Length == 0 ? NilInterface : new(GobKind.Interface, name, 0, concrete);
    public static GobValue OfEncoded(string typeName, byte[] bytes) => new(GobKind.Encoded, typeName, 0, bytes);

    /// <summary>Looks through interfaces to the value they hold.</summary>
    public GobValue? Unwrapped => Kind == GobKind.Interface ? Concrete?.Unwrapped : this;

    /// <summary>A struct field by name (through interfaces); null when absent (a zero value).</summary>
    public GobValue? Field(string name)
    {
        var self = Unwrapped;
        return self is { Kind: GobKind.Struct } ? Find(self.FieldArray, name) : null;
    }

    private static GobValue? Find(KeyValuePair<string, GobValue>[] fields, string name)
    {
        // From the end: a struct type that names a field twice keeps the later value, as a
        // dictionary filled in wire order would.
        for (var i = fields.Length - 1; i >= 0; i--)
        {
            if (string.Equals(fields[i].Key, name, StringComparison.Ordinal))
            {
                return fields[i].Value;
            }
        }
        return null;
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
        { Kind: GobKind.String, _ref: byte[] utf8 } => utf8,
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
        GobKind.Struct => $"{TypeName}{{{string.Join(", ", FieldArray.Select(f => f.Key + ":" + f.Value))}}}",
        GobKind.List => $"[{string.Join(", ", Items)}]",
        GobKind.Map => $"map[{string.Join(", ", Entries.Select(e => e.Key + ":" + e.Value))}]",
        GobKind.Interface => Concrete is null ? "nil" : $"({TypeName}){Concrete}",
        _ => $"{Kind}({Bytes.Length} bytes)",
    };

    /// <summary>The fields as a dictionary, made on request: decoding keeps only the array.</summary>
    private sealed class FieldView(KeyValuePair<string, GobValue>[] fields) : IReadOnlyDictionary<string, GobValue>
    {
        public GobValue this[string key] => Find(fields, key) ?? throw new KeyNotFoundException(key);
        public IEnumerable<string> Keys => this.Select(f => f.Key);
        public IEnumerable<GobValue> Values => this.Select(f => f.Value);
        public bool ContainsKey(string key) => Find(fields, key) is not null;

        public int Count
        {
            get
            {
                var count = 0;
                for (var i = 0; i < fields.Length; i++)
                {
                    count += IsFirst(i) ? 1 : 0;
                }
                return count;
            }
        }

        public bool TryGetValue(string key, [MaybeNullWhen(false)] out GobValue value)
        {
            value = Find(fields, key);
            return value is not null;
        }

        /// <summary>Each name once, with its later value, like a dictionary.</summary>
        public IEnumerator<KeyValuePair<string, GobValue>> GetEnumerator()
        {
            for (var i = 0; i < fields.Length; i++)
            {
                if (IsFirst(i))
                {
                    yield return new(fields[i].Key, Find(fields, fields[i].Key)!);
                }
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        private bool IsFirst(int index) =>
            Array.FindIndex(fields, f => string.Equals(f.Key, fields[index].Key, StringComparison.Ordinal)) == index;
    }
}
