using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ApisixPlugin.Kubernetes.Manifests;

/// <summary>
/// Reads Kubernetes manifests (YAML documents) into JSON the way kubectl does before it sends them (sigs.k8s.io/yaml,
/// which resolves plain scalars with go-yaml v2's YAML 1.1 rules): an unquoted <c>20</c> is a
/// number, <c>true</c>/<c>yes</c>/<c>on</c> a boolean, <c>~</c> or nothing a null; anything quoted
/// stays a string. Key order is kept, so what is printed later follows the source.
/// </summary>
public static partial class ManifestYaml
{
    private const string TagPrefix = "tag:yaml.org,2002:";

    /// <summary>Every document of the text, in order; empty documents are left out.</summary>
    public static IReadOnlyList<JsonNode> ReadDocuments(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ManifestYamlException($"{source}: not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}");
        }

        return [.. stream.Documents
            .Select(d => Convert(d.RootNode, source))
            .OfType<JsonNode>()];
    }

    private static JsonNode? Convert(YamlNode node, string source) => node switch
    {
        YamlMappingNode mapping => ConvertMapping(mapping, source),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(c => Convert(c, source))]),
        YamlScalarNode scalar => ConvertScalar(scalar, source),
        _ => throw new ManifestYamlException($"{source}: line {node.Start.Line}: unsupported YAML node {node.NodeType}"),
    };

    private static JsonObject ConvertMapping(YamlMappingNode mapping, string source)
    {
        var result = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode { Value: { } name })
            {
                throw new ManifestYamlException($"{source}: line {key.Start.Line}: a mapping key must be a plain value");
            }

            if (result.ContainsKey(name))
            {
                throw new ManifestYamlException($"{source}: line {key.Start.Line}: key '{name}' appears twice");
            }

            result[name] = Convert(value, source);
        }

        return result;
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar, string source)
    {
        var text = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty || scalar.Tag.IsNonSpecific ? null : scalar.Tag.Value;
        if (tag is not null)
        {
            return ConvertTagged(scalar, tag, text, source);
        }

        return scalar.Style is ScalarStyle.Plain or ScalarStyle.Any
            ? ResolvePlain(text, scalar, source)
            : JsonValue.Create(text);
    }

    /// <summary>An explicit tag such as <c>!!str 20</c> says what the value is.</summary>
    private static JsonNode? ConvertTagged(YamlScalarNode scalar, string tag, string text, string source)
    {
        var resolved = ResolvePlain(text, scalar, source);
        return tag switch
        {
            TagPrefix + "str" => JsonValue.Create(text),
            TagPrefix + "null" => null,
            TagPrefix + "bool" when resolved is JsonValue v && v.TryGetValue<bool>(out _) => resolved,
            TagPrefix + "int" when resolved is JsonValue v && v.TryGetValue<long>(out _) => resolved,
            TagPrefix + "float" when resolved is JsonValue v && (v.TryGetValue<long>(out _) || v.TryGetValue<double>(out _)) => resolved,
            _ => throw new ManifestYamlException($"{source}: line {scalar.Start.Line}: '{text}' is not a valid {tag}"),
        };
    }

    /// <summary>go-yaml v2's resolution of an untagged plain scalar, restricted to what JSON can hold.</summary>
    public static JsonNode? ResolvePlain(string text, YamlScalarNode? at, string source)
    {
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "y" or "Y" or "yes" or "Yes" or "YES" or "true" or "True" or "TRUE" or "on" or "On" or "ON":
                return JsonValue.Create(true);
            case "n" or "N" or "no" or "No" or "NO" or "false" or "False" or "FALSE" or "off" or "Off" or "OFF":
                return JsonValue.Create(false);
            case ".nan" or ".NaN" or ".NAN" or ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF" or "-.inf" or "-.Inf" or "-.INF":
                throw new ManifestYamlException($"{source}: line {at?.Start.Line}: '{text}' is a number JSON cannot hold");
        }

        if (TryParseInteger(text, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (FloatPattern().IsMatch(text) && double.TryParse(text.Replace("_", "", StringComparison.Ordinal),
                NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            return JsonValue.Create(real);
        }

        return JsonValue.Create(text);
    }

    /// <summary>Go's <c>strconv.ParseInt(s, 0, 64)</c> after underscores are dropped: 0x, 0o, 0b and a leading-0 octal.</summary>
    public static bool TryParseInteger(string text, out long value)
    {
        value = 0;
        var plain = text.Replace("_", "", StringComparison.Ordinal);
        var negative = plain.StartsWith('-');
        var digits = plain.TrimStart('+', '-');
        if (plain.Length - digits.Length > 1 || digits.Length == 0)
        {
            return false;
        }

        var (radix, body) = digits switch
        {
            ['0', 'x' or 'X', .. var rest] => (16, rest),
            ['0', 'o' or 'O', .. var rest] => (8, rest),
            ['0', 'b' or 'B', .. var rest] => (2, rest),
            ['0', _, ..] => (8, digits[1..]),
            _ => (10, digits),
        };
        if (body.Length == 0 || (radix == 10 && !body.All(char.IsAsciiDigit)))
        {
            return false;
        }

        try
        {
            var magnitude = System.Convert.ToUInt64(body, radix);
            if (magnitude > (negative ? (ulong)long.MaxValue + 1 : long.MaxValue))
            {
                return false;
            }

            value = negative ? (long)(0 - magnitude) : (long)magnitude;
            return true;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}

/// <summary>YAML that is no Kubernetes manifest; the message names the source and the line.</summary>
public sealed class ManifestYamlException(string message) : FormatException(message);
