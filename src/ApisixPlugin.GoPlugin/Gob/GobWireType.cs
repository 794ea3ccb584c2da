namespace ApisixPlugin.GoPlugin.Gob;

/// <summary>Which of the seven alternatives of gob's wireType a definition used.</summary>
internal enum GobWireKind
{
    Array = 0,
    Slice = 1,
    Struct = 2,
    Map = 3,
    GobEncoder = 4,
    BinaryMarshaler = 5,
    TextMarshaler = 6,
}

internal sealed record GobField(string Name, int TypeId);

/// <summary>
/// One received type definition. Element, key and field types are kept as ids and looked up
/// only when a value is decoded, so forward and recursive definitions need no special care.
/// </summary>
internal sealed class GobWireType
{
    public required GobWireKind Kind { get; init; }
    public string Name { get; init; } = "";
    public int ElemId { get; init; }
    public int KeyId { get; init; }
    public long Length { get; init; }
    public IReadOnlyList<GobField> Fields { get; init; } = [];

    public bool IsStruct => Kind == GobWireKind.Struct;

    /// <summary>
    /// This struct type's value with no field set, made once per stream and shared: one wire
    /// byte each, a slice of them must not cost a node per element.
    /// </summary>
    public GobValue? EmptyValue { get; set; }
}
