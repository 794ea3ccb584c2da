using System.Text.Json;
using System.Text.Json.Nodes;

namespace ApisixPlugin.Core.Json;

/// <summary>Conversions between the mutable nodes a change is built with and the read-only elements it is kept as.</summary>
public static class JsonElements
{
    public static JsonElement ToElement(JsonNode? node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (node is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                node.WriteTo(writer);
            }
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    public static JsonElement String(string value) => ToElement(JsonValue.Create(value));

    public static JsonNode? ToNode(JsonElement element) => JsonNode.Parse(element.GetRawText());

    /// <summary>Deep equality that ignores member order, as JSON Patch <c>test</c> does.</summary>
    public static bool DeepEquals(JsonElement a, JsonElement b) => JsonElement.DeepEquals(a, b);
}
