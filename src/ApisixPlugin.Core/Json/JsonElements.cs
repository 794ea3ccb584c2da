using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ApisixPlugin.Core.Json;

/// <summary>Conversions between the mutable nodes a change is built with and the read-only elements it is kept as.</summary>
public static class JsonElements
{
    /// <summary>
    /// Bytes after which an element's text may differ from what a writer with default options
    /// produces: whitespace (dropped), a backslash (escapes are rewritten), and the characters the
    /// default encoder escapes (controls, <c>&amp; ' + &lt; &gt; `</c>, DEL and all non-ASCII).
    /// </summary>
    private static readonly SearchValues<byte> NotCopiedAsIs = SearchValues.Create(
        [.. Enumerable.Range(0, 0x21).Select(b => (byte)b), .. "&'+<>\\`"u8, .. Enumerable.Range(0x7F, 0x81).Select(b => (byte)b)]);

    public static JsonElement ToElement(JsonNode? node)
    {
        var buffer = new ArrayBufferWriter<byte>();
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

    public static JsonElement String(string value) => Write(writer => writer.WriteStringValue(value));

    public static JsonElement Number(int value) => Write(writer => writer.WriteNumberValue(value));

    /// <summary>One value written straight to JSON, as an element that owns its bytes.</summary>
    internal static JsonElement Write(Action<Utf8JsonWriter> value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            value(writer);
        }

        // ParseValue copies the bytes into a document of its own: nothing to dispose or clone.
        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        return JsonElement.ParseValue(ref reader);
    }

    /// <summary>
    /// Writes <paramref name="element"/> with exactly the bytes <see cref="JsonElement.WriteTo"/>
    /// gives. Text from the API server is compact and mostly plain ASCII, and then it already is
    /// those bytes: it is copied instead of being re-read and re-encoded token by token, which is
    /// most of the cost of writing a patch for a large route.
    /// </summary>
    public static void WriteTo(Utf8JsonWriter writer, JsonElement element)
    {
        var text = JsonMarshal.GetRawUtf8Value(element);
        if (IsWrittenAsIs(writer, text))
        {
            writer.WriteRawValue(text, skipInputValidation: true);
        }
        else
        {
            element.WriteTo(writer);
        }
    }

    /// <summary>Whether <paramref name="writer"/> would write this element text unchanged (see <see cref="NotCopiedAsIs"/>).</summary>
    internal static bool IsWrittenAsIs(Utf8JsonWriter writer, ReadOnlySpan<byte> text) =>
        !writer.Options.Indented && writer.Options.Encoder is null && text.IndexOfAny(NotCopiedAsIs) < 0;

    public static JsonNode? ToNode(JsonElement element) => JsonNode.Parse(element.GetRawText());

    /// <summary>Deep equality that ignores member order, as JSON Patch <c>test</c> does.</summary>
    public static bool DeepEquals(JsonElement a, JsonElement b) => JsonElement.DeepEquals(a, b);
}
