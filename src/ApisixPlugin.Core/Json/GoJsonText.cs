using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace ApisixPlugin.Core.Json;

/// <summary>
/// A value written as Go's encoding/json writes it, for the value of a JSON Patch <c>test</c>. The
/// API server applies a JSON Patch with evanphx/json-patch, which compares a string by its encoded
/// bytes against the route as the API server encodes it. .NET's encoder writes the same text other
/// bytes: it escapes non-ASCII, <c>' + `</c>, and writes <c>\u003C</c> where Go writes <c>\u003c</c>.
/// A rule named <c>订单</c> or <c>api+v2</c> would fail every test, and every SetWeight would end
/// Aborted. Go escapes <c>" \</c>, control characters, <c>&lt; &gt; &amp;</c> and U+2028/U+2029, and
/// writes everything else as UTF-8.
/// </summary>
public static class GoJsonText
{
    /// <summary>
    /// Bytes after which an element's text may not be Go's. A backslash means an escape that Go
    /// may write differently, a raw <c>&lt; &gt; &amp;</c> is one Go would have escaped, and 0xE2
    /// may begin U+2028 or U+2029; whitespace may be indentation, which Go does not write. Text the
    /// API server sent is Go's already, and so is anything plain.
    /// </summary>
    private static readonly SearchValues<byte> MaybeNotGo = SearchValues.Create([(byte)'\\', (byte)'<', (byte)'>', (byte)'&', 0xE2, (byte)' ', (byte)'\n', (byte)'\r', (byte)'\t']);

    public static void WriteTo(Utf8JsonWriter writer, JsonElement element)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (raw.IndexOfAny(MaybeNotGo) < 0)
        {
            writer.WriteRawValue(raw, skipInputValidation: true);
            return;
        }

        writer.WriteRawValue(Of(element), skipInputValidation: true);
    }

    /// <summary>The Go encoding of <paramref name="element"/>.</summary>
    public static string Of(JsonElement element)
    {
        var text = new StringBuilder();
        Append(text, element);
        return text.ToString();
    }

    private static void Append(StringBuilder text, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                var firstProperty = true;
                foreach (var property in element.EnumerateObject())
                {
                    text.Append(firstProperty ? "" : ",");
                    firstProperty = false;
                    AppendString(text, property.Name);
                    text.Append(':');
                    Append(text, property.Value);
                }

                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var firstItem = true;
                foreach (var item in element.EnumerateArray())
                {
                    text.Append(firstItem ? "" : ",");
                    firstItem = false;
                    Append(text, item);
                }

                text.Append(']');
                break;
            case JsonValueKind.String:
                AppendString(text, element.GetString()!);
                break;
            default:
                // Numbers, true, false, null: their text is the same in both encoders.
                text.Append(element.GetRawText());
                break;
        }
    }

    private static void AppendString(StringBuilder text, string value)
    {
        text.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                case < ' ' or '<' or '>' or '&' or '\u2028' or '\u2029':
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                case >= '\uD800' and <= '\uDBFF' when i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]):
                    text.Append(c).Append(value[++i]);
                    break;
                case >= '\uD800' and <= '\uDFFF':
                    // A lone surrogate is not UTF-8: Go writes the replacement character for it.
                    text.Append("\\ufffd");
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }

        text.Append('"');
    }
}
