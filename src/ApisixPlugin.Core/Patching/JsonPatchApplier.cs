using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Json;

namespace ApisixPlugin.Core.Patching;

/// <summary>
/// Applies a JSON Patch the way the API server does, all or nothing, for the in-memory route store
/// (the <c>simulate</c> command) and for golden tests. A failed <c>test</c> is a conflict.
/// </summary>
public static class JsonPatchApplier
{
    public static JsonElement Apply(JsonElement document, IEnumerable<PatchOperation> operations)
    {
        var root = JsonNode.Parse(document.GetRawText()) ?? throw new JsonPatchException("document is null");
        foreach (var op in operations)
        {
            root = ApplyOne(root, op);
        }

        return JsonElements.ToElement(root);
    }

    private static JsonNode ApplyOne(JsonNode root, PatchOperation op)
    {
        try
        {
            return ApplyOneUnguarded(root, op);
        }
        catch (JsonPatchException e) when (op.Op == PatchOp.Test && e is not JsonPatchConflictException)
        {
            throw new JsonPatchConflictException($"test {op.Path} failed: {e.Message}");
        }
    }

    /// <summary>
    /// How the API server's JSON Patch library (evanphx/json-patch) tests a value: objects member by
    /// member, arrays item by item, and strings, numbers and literals by their encoded bytes, the
    /// document's as Go encodes it and the test value's as sent. So a test value written with
    /// other bytes than Go's fails here as it fails there.
    /// </summary>
    private static bool ComparesEqualOnTheApiServer(JsonNode? current, PatchOperation op)
    {
        var sent = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(sent))
        {
            op.WriteValue(writer);
        }

        using var sentDocument = JsonDocument.Parse(sent.WrittenMemory);
        using var currentDocument = JsonDocument.Parse(current?.ToJsonString() ?? "null");
        return SameBytes(currentDocument.RootElement, sentDocument.RootElement);
    }

    private static bool SameBytes(JsonElement current, JsonElement sent) => (current.ValueKind, sent.ValueKind) switch
    {
        (JsonValueKind.Object, JsonValueKind.Object) => current.EnumerateObject().Count() == sent.EnumerateObject().Count()
            && current.EnumerateObject().All(m => sent.TryGetProperty(m.Name, out var other) && SameBytes(m.Value, other)),
        (JsonValueKind.Array, JsonValueKind.Array) => current.GetArrayLength() == sent.GetArrayLength()
            && current.EnumerateArray().Zip(sent.EnumerateArray()).All(pair => SameBytes(pair.First, pair.Second)),
        (JsonValueKind.Object or JsonValueKind.Array, _) or (_, JsonValueKind.Object or JsonValueKind.Array) => false,
        _ => GoJsonText.Of(current) == sent.GetRawText(),
    };

    private static JsonNode ApplyOneUnguarded(JsonNode root, PatchOperation op)
    {
        var tokens = op.Path.Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
        if (tokens.Length == 0)
        {
            throw new JsonPatchException($"{op.OpName} {op.Path}: the whole document cannot be patched here");
        }

        var parent = Navigate(root, tokens[..^1], op);
        var last = tokens[^1];
        var value = op.Value is { } v ? JsonNode.Parse(v.GetRawText()) : null;
        switch (op.Op, parent)
        {
            case (PatchOp.Test, _):
                var current = Child(parent, last, op);
                if (!ComparesEqualOnTheApiServer(current, op))
                {
                    throw new JsonPatchConflictException($"test {op.Path} failed: the value changed since it was read");
                }

                break;
            case (PatchOp.Add, JsonObject obj):
                obj[last] = value;
                break;
            case (PatchOp.Add, JsonArray arr):
                var at = last == "-" ? arr.Count : Index(arr, last, op, allowEnd: true);
                arr.Insert(at, value);
                break;
            case (PatchOp.Replace, JsonObject obj):
                _ = Child(obj, last, op);
                obj[last] = value;
                break;
            case (PatchOp.Replace, JsonArray arr):
                arr[Index(arr, last, op, allowEnd: false)] = value;
                break;
            case (PatchOp.Remove, JsonObject obj):
                if (!obj.Remove(last))
                {
                    throw new JsonPatchException($"remove {op.Path}: no such member");
                }

                break;
            case (PatchOp.Remove, JsonArray arr):
                arr.RemoveAt(Index(arr, last, op, allowEnd: false));
                break;
            default:
                throw new JsonPatchException($"{op.OpName} {op.Path}: unsupported operation or target");
        }

        return root;
    }

    private static JsonNode Navigate(JsonNode root, IEnumerable<string> tokens, PatchOperation op)
    {
        var node = root;
        foreach (var token in tokens)
        {
            node = Child(node, token, op) ?? throw new JsonPatchException($"{op.OpName} {op.Path}: '{token}' is null");
        }

        return node;
    }

    private static JsonNode? Child(JsonNode node, string token, PatchOperation op) => node switch
    {
        JsonObject obj when obj.TryGetPropertyValue(token, out var child) => child,
        JsonArray arr => arr[Index(arr, token, op, allowEnd: false)],
        _ => throw new JsonPatchException($"{op.OpName} {op.Path}: '{token}' does not exist"),
    };

    private static int Index(JsonArray array, string token, PatchOperation op, bool allowEnd)
    {
        if (!int.TryParse(token, out var index) || index < 0 || index > array.Count || (!allowEnd && index == array.Count))
        {
            throw new JsonPatchException($"{op.OpName} {op.Path}: index '{token}' is out of range");
        }

        return index;
    }
}

public class JsonPatchException(string message) : Exception(message);

/// <summary>A <c>test</c> operation failed: someone changed the route since it was read.</summary>
public sealed class JsonPatchConflictException(string message) : JsonPatchException(message);
