using System.Text.Json.Nodes;

namespace ApisixPlugin.Testing.Routes;

/// <summary>
/// A JSON node as text with object keys sorted, as the API server returns them (Go maps), so that
/// what was sent and what came back compare equal and a failure shows both sides.
/// </summary>
public static class CanonicalJson
{
    public static string Of(JsonNode? node) => Sorted(node)?.ToJsonString() ?? "null";

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Sorted)]),
        null => null,
        _ => node.DeepClone(),
    };
}
