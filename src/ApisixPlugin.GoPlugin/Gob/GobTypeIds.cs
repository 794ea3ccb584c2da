namespace ApisixPlugin.GoPlugin.Gob;

/// <summary>The type ids every gob peer knows without a definition (encoding/gob doc.go).</summary>
internal static class GobTypeIds
{
    public const int Bool = 1;
    public const int Int = 2;
    public const int Uint = 3;
    public const int Float = 4;
    public const int Bytes = 5;
    public const int String = 6;
    public const int Complex = 7;
    public const int Interface = 8;
    public const int WireType = 16;
    public const int ArrayType = 17;
    public const int CommonType = 18;
    public const int SliceType = 19;
    public const int StructType = 20;
    public const int FieldType = 21;
    public const int FieldTypeSlice = 22;
    public const int MapType = 23;

    /// <summary>Go reserves ids below 64; the first id a Go encoder hands out is 65.</summary>
    public const int FirstUserId = 64;
}
