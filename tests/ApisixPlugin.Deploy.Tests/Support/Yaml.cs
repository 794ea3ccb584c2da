using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ApisixPlugin.Deploy.Tests.Support;

/// <summary>
/// YAML documents as JSON nodes, so assertions read like the objects the API server sees. Plain
/// scalars that look like integers, booleans or null become those JSON types (YAML 1.2 core
/// schema); quoted scalars stay strings, so `"9464"` and `9464` are told apart. Anchors resolve.
/// </summary>
internal static class Yaml
{
    public static IReadOnlyList<JsonObject> ParseDocuments(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents
            .Select(document => ToJson(document.RootNode))
            .OfType<JsonObject>()
            .ToList();
    }

    public static JsonObject ParseSingle(string yaml) =>
        ParseDocuments(yaml) is [var only] ? only : throw new FormatException("expected exactly one YAML document");

    public static IReadOnlyList<JsonObject> LoadFile(string path) => ParseDocuments(File.ReadAllText(path));

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(pair =>
            KeyValuePair.Create(((YamlScalarNode)pair.Key).Value ?? "", ToJson(pair.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new FormatException($"unsupported YAML node {node.NodeType} at {node.Start}"),
    };

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        return text switch
        {
            "" or "~" or "null" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
            _ => JsonValue.Create(text),
        };
    }
}
