namespace ApisixPlugin.GoPlugin.Gob;

/// <summary>
/// What of a value the decoder builds: for each struct met, the fields a reader will look at
/// and their own shapes. A field left out is parsed and dropped, never built, as Go's gob drops
/// the fields a destination struct lacks: a Rollout's annotations, pod template and status cost
/// the bridge no memory when nothing reads them. (Go skips an interface value by its byte count;
/// this parses it, so type definitions inside it stay known.) A shape reaches through lists,
/// arrays, map values and interfaces to the structs inside them.
/// </summary>
internal sealed class GobShape
{
    private readonly Dictionary<string, GobShape>? _fields;
    private readonly bool _keepsOtherFields;

    private GobShape(Dictionary<string, GobShape>? fields, bool keepsOtherFields)
    {
        _fields = fields;
        _keepsOtherFields = keepsOtherFields;
    }

    /// <summary>Everything, as sent.</summary>
    public static GobShape All { get; } = new(null, keepsOtherFields: true);

    /// <summary>Structs keep only these fields, each in its shape.</summary>
    public static GobShape Only(params ReadOnlySpan<(string Name, GobShape Shape)> fields) => new(ToDictionary(fields), keepsOtherFields: false);

    /// <summary>Structs keep only these fields, each whole.</summary>
    public static GobShape Only(params ReadOnlySpan<string> names)
    {
        var fields = new Dictionary<string, GobShape>(names.Length, StringComparer.Ordinal);
        foreach (var name in names)
        {
            fields.Add(name, All);
        }
        return new(fields, keepsOtherFields: false);
    }

    /// <summary>Structs keep every field; these in their shapes, the others whole.</summary>
    public static GobShape AllWith(params ReadOnlySpan<(string Name, GobShape Shape)> fields) => new(ToDictionary(fields), keepsOtherFields: true);

    /// <summary>The shape a struct's field is built in; null when it is to be dropped.</summary>
    public GobShape? Of(string field) =>
        _fields is not null && _fields.TryGetValue(field, out var shape) ? shape : _keepsOtherFields ? All : null;

    private static Dictionary<string, GobShape> ToDictionary(ReadOnlySpan<(string Name, GobShape Shape)> fields)
    {
        var result = new Dictionary<string, GobShape>(fields.Length, StringComparer.Ordinal);
        foreach (var (name, shape) in fields)
        {
            result.Add(name, shape);
        }
        return result;
    }
}
