using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ApisixPlugin.Core.Tests.Support;

/// <summary>
/// One way of printing JSON for golden files and comparisons: indented, members in their stored
/// order (a reordered backend is a visible difference, not an equal document), no escaping of
/// characters that need none, so the files stay readable.
/// </summary>
internal static class JsonText
{
    private static readonly JsonWriterOptions Indented = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static string Pretty(JsonElement element)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Indented))
        {
            element.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray()).ReplaceLineEndings("\n") + "\n";
    }

    public static string Pretty(string json) => Pretty(Parse(json));

    public static string Pretty(byte[] utf8Json) => Pretty(Encoding.UTF8.GetString(utf8Json));
}
