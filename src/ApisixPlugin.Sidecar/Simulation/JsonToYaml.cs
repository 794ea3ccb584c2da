using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Kubernetes.Manifests;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>
/// Prints JSON as block YAML in the layout of the example files (two-space indent, list items
/// indented under their key), keys in their stored order. A string is left unquoted only when
/// <see cref="ManifestYaml"/> would read it back as the same string, so printed output round-trips.
/// </summary>
internal static class JsonToYaml
{
    private const string Indicators = "-?:,[]{}#&*!|>'\"%@`";

    public static string Write(JsonElement value)
    {
        var text = new StringBuilder();
        switch (value.ValueKind)
        {
            case JsonValueKind.Object when value.EnumerateObject().Any():
                WriteMapping(text, value, indent: 0, firstLinePrefix: "");
                break;
            case JsonValueKind.Array when value.GetArrayLength() > 0:
                WriteSequence(text, value, indent: 0);
                break;
            default:
                text.Append(Scalar(value)).Append('\n');
                break;
        }

        return text.ToString();
    }

    private static void WriteMapping(StringBuilder text, JsonElement mapping, int indent, string firstLinePrefix)
    {
        var first = true;
        foreach (var property in mapping.EnumerateObject())
        {
            text.Append(first ? firstLinePrefix : new string(' ', indent)).Append(Key(property.Name)).Append(':');
            first = false;
            WriteValueAfterKey(text, property.Value, indent);
        }
    }

    private static void WriteValueAfterKey(StringBuilder text, JsonElement value, int indent)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object when value.EnumerateObject().Any():
                text.Append('\n');
                WriteMapping(text, value, indent + 2, new string(' ', indent + 2));
                break;
            case JsonValueKind.Array when value.GetArrayLength() > 0:
                text.Append('\n');
                WriteSequence(text, value, indent + 2);
                break;
            default:
                text.Append(' ').Append(Scalar(value)).Append('\n');
                break;
        }
    }

    private static void WriteSequence(StringBuilder text, JsonElement sequence, int indent)
    {
        var dash = new string(' ', indent) + "- ";
        foreach (var item in sequence.EnumerateArray())
        {
            switch (item.ValueKind)
            {
                case JsonValueKind.Object when item.EnumerateObject().Any():
                    // The first key shares the dash's line; the others line up under it.
                    WriteMapping(text, item, indent + 2, dash);
                    break;
                case JsonValueKind.Array when item.GetArrayLength() > 0:
                    text.Append(new string(' ', indent)).Append("-\n");
                    WriteSequence(text, item, indent + 2);
                    break;
                default:
                    text.Append(dash).Append(Scalar(item)).Append('\n');
                    break;
            }
        }
    }

    private static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "{}",
        JsonValueKind.Array => "[]",
        JsonValueKind.String => Text(value.GetString()!),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    private static string Key(string name) => Text(name);

    private static string Text(string text) => IsSafePlain(text) ? text : Quote(text);

    /// <summary>Whether the text, unquoted, would be read back as this very string.</summary>
    internal static bool IsSafePlain(string text)
    {
        if (text.Length == 0 || Indicators.Contains(text[0], StringComparison.Ordinal) || char.IsWhiteSpace(text[0])
            || char.IsWhiteSpace(text[^1]) || text[^1] == ':'
            || text.Contains(": ", StringComparison.Ordinal) || text.Contains(" #", StringComparison.Ordinal)
            || text.Any(c => char.IsControl(c) || c == '\uFEFF'))
        {
            return false;
        }

        try
        {
            return ManifestYaml.ResolvePlain(text, null, "") is JsonValue v && v.TryGetValue<string>(out var s) && s == text;
        }
        catch (ManifestYamlException)
        {
            return false;
        }
    }

    /// <summary>A YAML double-quoted scalar; its escapes are a superset of what is used here.</summary>
    private static string Quote(string text)
    {
        var quoted = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            _ = c switch
            {
                '"' => quoted.Append("\\\""),
                '\\' => quoted.Append("\\\\"),
                '\n' => quoted.Append("\\n"),
                '\r' => quoted.Append("\\r"),
                '\t' => quoted.Append("\\t"),
                _ when char.IsControl(c) || c == '\uFEFF' => quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('"').ToString();
    }

    public static string Write(JsonNode? node) => Write(Core.Json.JsonElements.ToElement(node));
}
