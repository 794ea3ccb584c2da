using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.GoPlugin.Gob;

namespace ApisixPlugin.GoPlugin.Tests.Support;

/// <summary>
/// Compares a decoded gob tree with Go's encoding/json rendering of the same value (Go field
/// names), minding where the two differ: gob omits zero values, []byte is base64 in JSON,
/// GobEncoder values (times) are opaque bytes, json.RawMessage map values are JSON text in gob.
/// </summary>
internal static class GoJsonComparer
{
    public static void AssertMatches(JsonElement expected, GobValue? actual, string path)
    {
        actual = actual?.Unwrapped;
        if (actual is null)
        {
            Assert.True(IsZero(expected), $"{path}: absent in gob but {expected.GetRawText()} in Go");
            return;
        }
        switch (expected.ValueKind)
        {
            case JsonValueKind.Null:
                Assert.Fail($"{path}: null in Go but {actual} in gob");
                break;
            case JsonValueKind.True:
            case JsonValueKind.False:
                Assert.Equal(expected.GetBoolean(), actual.AsBool());
                break;
            case JsonValueKind.Number:
                AssertNumber(expected, actual, path);
                break;
            case JsonValueKind.String:
                AssertString(expected.GetString()!, actual, path);
                break;
            case JsonValueKind.Array:
                if (actual.Kind == GobKind.Complex)
                {
                    Assert.Equal(expected[0].GetDouble(), actual.Float);
                    Assert.Equal(expected[1].GetDouble(), actual.Imaginary);
                    break;
                }
                var items = actual.AsList();
                Assert.True(items.Count == expected.GetArrayLength(), $"{path}: {items.Count} elements in gob, {expected.GetArrayLength()} in Go");
                var i = 0;
                foreach (var item in expected.EnumerateArray())
                {
                    AssertMatches(item, items[i], $"{path}[{i}]");
                    i++;
                }
                break;
            case JsonValueKind.Object:
                AssertObject(expected, actual, path);
                break;
        }
    }

    private static void AssertObject(JsonElement expected, GobValue actual, string path)
    {
        if (actual.Kind == GobKind.Map)
        {
            var entries = actual.AsMap();
            Assert.True(entries.Count == expected.EnumerateObject().Count(), $"{path}: map sizes differ");
            foreach (var property in expected.EnumerateObject())
            {
                var entry = entries.SingleOrDefault(e => KeyText(e.Key) == property.Name);
                Assert.True(entry.Key is not null, $"{path}: map key {property.Name} missing in gob");
                if (property.Value.ValueKind == JsonValueKind.Object && entry.Value.Kind == GobKind.Bytes)
                {
                    // json.RawMessage: inline JSON in Go's rendering, its text as bytes in gob.
                    Assert.True(JsonNode.DeepEquals(JsonNode.Parse(property.Value.GetRawText()), JsonNode.Parse(entry.Value.Bytes)),
                        $"{path}[{property.Name}]: raw JSON differs");
                    continue;
                }
                AssertMatches(property.Value, entry.Value, $"{path}[{property.Name}]");
            }
            return;
        }
        Assert.True(actual.Kind == GobKind.Struct, $"{path}: object in Go but {actual.Kind} in gob");
        foreach (var property in expected.EnumerateObject())
        {
            AssertMatches(property.Value, FindField(actual, property.Name), $"{path}.{property.Name}");
        }
        foreach (var (name, value) in actual.Fields)
        {
            Assert.True(expected.TryGetProperty(name, out _) || IsEmbedded(name, value), $"{path}.{name}: in gob but not in Go's value");
        }
    }

    /// <summary>
    /// encoding/json promotes the fields of an embedded struct (TypeMeta, ObjectMeta); gob sends
    /// the embedded struct as one field named after its type.
    /// </summary>
    private static GobValue? FindField(GobValue structValue, string name)
    {
        if (structValue.Fields.TryGetValue(name, out var direct))
        {
            return direct;
        }
        foreach (var (fieldName, value) in structValue.Fields)
        {
            if (IsEmbedded(fieldName, value) && FindField(value, name) is { } promoted)
            {
                return promoted;
            }
        }
        return null;
    }

    private static bool IsEmbedded(string fieldName, GobValue value) => value.Kind == GobKind.Struct && value.TypeName == fieldName;

    private static void AssertNumber(JsonElement expected, GobValue actual, string path)
    {
        switch (actual.Kind)
        {
            case GobKind.Uint:
                Assert.True(expected.GetUInt64() == actual.Uint, $"{path}: {actual.Uint} != {expected}");
                break;
            case GobKind.Int:
                Assert.True(expected.GetInt64() == actual.Int, $"{path}: {actual.Int} != {expected}");
                break;
            case GobKind.Float:
                Assert.True(Math.Abs(expected.GetDouble() - actual.Float) <= Math.Abs(actual.Float) * 1e-7, $"{path}: {actual.Float} != {expected}");
                break;
            default:
                Assert.Fail($"{path}: number {expected} in Go but {actual.Kind} in gob");
                break;
        }
    }

    private static void AssertString(string expected, GobValue actual, string path)
    {
        switch (actual.Kind)
        {
            case GobKind.String:
                Assert.True(expected == actual.Text, $"{path}: '{actual.Text}' != '{expected}'");
                break;
            case GobKind.Bytes:
                Assert.True(Convert.FromBase64String(expected).AsSpan().SequenceEqual(actual.Bytes), $"{path}: bytes differ");
                break;
            case GobKind.Encoded:
                // A GobEncoder (metav1.Time): opaque MarshalBinary bytes, version byte 1 or 2.
                Assert.True(actual.Bytes.Length >= 15 && actual.Bytes[0] is 1 or 2, $"{path}: not time.Time MarshalBinary bytes");
                break;
            default:
                Assert.Fail($"{path}: string in Go but {actual.Kind} in gob");
                break;
        }
    }

    private static string KeyText(GobValue key) => key.Unwrapped?.Kind == GobKind.String ? key.AsString() : key.ToString();

    private static bool IsZero(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.False => true,
        JsonValueKind.String => value.GetString() is "" or "0001-01-01T00:00:00Z",
        JsonValueKind.Number => value.GetDouble() == 0,
        JsonValueKind.Array => value.GetArrayLength() == 0,
        JsonValueKind.Object => value.EnumerateObject().All(p => IsZero(p.Value)),
        _ => false,
    };

    public static string Describe(JsonElement value) => Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(value))[..Math.Min(200, value.GetRawText().Length)];
}
