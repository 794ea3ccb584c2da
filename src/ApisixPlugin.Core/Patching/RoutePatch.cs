using System.Collections.Immutable;
using System.Text;
using System.Text.Json;

namespace ApisixPlugin.Core.Patching;

/// <summary>One RFC 6902 operation. <c>test</c> operations make the patch fail, instead of
/// overwriting, when the route changed since it was read.</summary>
public sealed record PatchOperation(string Op, string Path, JsonElement? Value = null)
{
    public static PatchOperation Test(string path, JsonElement value) => new("test", path, value);

    public static PatchOperation Replace(string path, JsonElement value) => new("replace", path, value);

    public static PatchOperation Add(string path, JsonElement value) => new("add", path, value);

    public static PatchOperation Remove(string path) => new("remove", path);

    /// <summary>Escapes one reference token (RFC 6901): annotation keys contain '/'.</summary>
    public static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}

/// <summary>The change to one ApisixRoute; no operations means nothing to write.</summary>
public sealed record RoutePatch(string Namespace, string Name, ImmutableArray<PatchOperation> Operations)
{
    public string Key => $"{Namespace}/{Name}";

    public bool IsEmpty => Operations.IsEmpty;

    /// <summary>The JSON Patch document (application/json-patch+json).</summary>
    public byte[] ToJsonPatch()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            foreach (var op in Operations)
            {
                writer.WriteStartObject();
                writer.WriteString("op", op.Op);
                writer.WriteString("path", op.Path);
                if (op.Value is { } value)
                {
                    writer.WritePropertyName("value");
                    value.WriteTo(writer);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return stream.ToArray();
    }

    public override string ToString() => Encoding.UTF8.GetString(ToJsonPatch());
}
