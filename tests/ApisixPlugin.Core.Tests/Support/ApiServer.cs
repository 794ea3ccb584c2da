using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Tests.Support;

/// <summary>
/// What the API server does to a written ApisixRoute before it hands it back: it adds uid,
/// resourceVersion, generation and creationTimestamp, sorts every object's members (Go maps) and
/// escapes HTML characters in strings (Go's encoder). Reading a route back this way, not as the
/// plugin wrote it, is what shows a planner that compares text or member order instead of values.
/// </summary>
internal static class ApiServer
{
    private static readonly JsonWriterOptions GoLike = new() { Encoder = JavaScriptEncoder.Default };

    public static ApisixRouteSnapshot Create(JsonElement route, string uid = "9d3e0b7a-0000-4000-8000-00000000c0de")
    {
        var node = JsonNode.Parse(route.GetRawText())!;
        var metadata = node["metadata"]!.AsObject();
        metadata["uid"] = uid;
        metadata["resourceVersion"] = "1";
        metadata["generation"] = 1;
        metadata["creationTimestamp"] = "2026-11-25T18:00:00Z";
        return Stored(node);
    }

    /// <summary>Applies the patch all or nothing, as the API server does, and bumps the version.</summary>
    public static ApisixRouteSnapshot Patch(ApisixRouteSnapshot route, RoutePatch patch)
    {
        var node = JsonNode.Parse(JsonPatchApplier.Apply(route.Json, patch.Operations).GetRawText())!;
        var metadata = node["metadata"]!.AsObject();
        var version = long.Parse(route.ResourceVersion ?? "0", CultureInfo.InvariantCulture) + 1;
        metadata["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);
        if (patch.Operations.Any(o => o.Path.StartsWith("/spec", StringComparison.Ordinal)))
        {
            metadata["generation"] = route.Generation + 1;
        }

        return Stored(node);
    }

    private static ApisixRouteSnapshot Stored(JsonNode node)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, GoLike))
        {
            Sorted(node)!.WriteTo(writer);
        }

        return new ApisixRouteSnapshot(JsonText.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray())));
    }

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Sorted)]),
        null => null,
        _ => node.DeepClone(),
    };
}
