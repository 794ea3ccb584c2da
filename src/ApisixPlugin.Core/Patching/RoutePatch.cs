using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using ApisixPlugin.Core.Json;

namespace ApisixPlugin.Core.Patching;

/// <summary>The RFC 6902 operations the plugin writes; move and copy it never needs.</summary>
public enum PatchOp
{
    Test,
    Add,
    Replace,
    Remove,
}

/// <summary>One RFC 6902 operation. <c>test</c> operations make the patch fail, instead of
/// overwriting, when the route changed since it was read.</summary>
public sealed record PatchOperation
{
    private readonly JsonElement? _value;

    /// <summary>A value that is written only when the patch is serialized (see <see cref="Replace(string, Action{Utf8JsonWriter})"/>).</summary>
    private readonly Action<Utf8JsonWriter>? _writeValue;

    public PatchOperation(PatchOp op, string path, JsonElement? value = null)
    {
        Op = op;
        Path = path;
        _value = value;
    }

    private PatchOperation(PatchOp op, string path, Action<Utf8JsonWriter> writeValue)
    {
        Op = op;
        Path = path;
        _writeValue = writeValue;
    }

    public PatchOp Op { get; }

    /// <summary>The operation's name as RFC 6902 spells it.</summary>
    public string OpName => Op switch
    {
        PatchOp.Test => "test",
        PatchOp.Add => "add",
        PatchOp.Replace => "replace",
        _ => "remove",
    };

    public string Path { get; }

    /// <summary>
    /// The operation's value, if it has one. A value that is written at serialization time is
    /// built into an element on each read: only the in-memory applier and tests read it.
    /// </summary>
    public JsonElement? Value => _writeValue is null ? _value : JsonElements.Write(_writeValue);

    public bool HasValue => _value is not null || _writeValue is not null;

    public static PatchOperation Test(string path, JsonElement value) => new(PatchOp.Test, path, value);

    public static PatchOperation Replace(string path, JsonElement value) => new(PatchOp.Replace, path, value);

    /// <summary>
    /// A replace whose value <paramref name="writeValue"/> writes into the patch document itself,
    /// so that a planner does not build and parse JSON that is only ever serialized again.
    /// The function must be pure: it may run more than once.
    /// </summary>
    internal static PatchOperation Replace(string path, Action<Utf8JsonWriter> writeValue) => new(PatchOp.Replace, path, writeValue);

    public static PatchOperation Add(string path, JsonElement value) => new(PatchOp.Add, path, value);

    public static PatchOperation Remove(string path) => new(PatchOp.Remove, path);

    /// <summary>Escapes one reference token (RFC 6901): annotation keys contain '/'.</summary>
    public static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    internal void WriteValue(Utf8JsonWriter writer)
    {
        if (_writeValue is not null)
        {
            _writeValue(writer);
        }
        else if (_value is { } value && Op == PatchOp.Test)
        {
            // Compared by its bytes with the route as the API server encodes it.
            GoJsonText.WriteTo(writer, value);
        }
        else if (_value is { } other)
        {
            JsonElements.WriteTo(writer, other);
        }
    }
}

/// <summary>The change to one ApisixRoute; no operations means nothing to write.</summary>
public sealed record RoutePatch(string Namespace, string Name, ImmutableArray<PatchOperation> Operations)
{
    private static readonly JsonEncodedText OpField = JsonEncodedText.Encode("op");
    private static readonly JsonEncodedText PathName = JsonEncodedText.Encode("path");
    private static readonly JsonEncodedText ValueName = JsonEncodedText.Encode("value");

    public string Key => $"{Namespace}/{Name}";

    public bool IsEmpty => Operations.IsEmpty;

    /// <summary>
    /// The same patch with <paramref name="tests"/> before its operations: they test the route as
    /// it was before this patch changes it (a test after a replace would see the new value).
    /// </summary>
    public RoutePatch GuardedBy(ImmutableArray<PatchOperation> tests) => tests.IsEmpty ? this : this with { Operations = tests.AddRange(Operations) };

    /// <summary>The same patch with <paramref name="more"/> after its operations: one request, all or nothing.</summary>
    public RoutePatch With(ImmutableArray<PatchOperation> more) => more.IsEmpty ? this : this with { Operations = Operations.AddRange(more) };

    /// <summary>The JSON Patch document (application/json-patch+json).</summary>
    public byte[] ToJsonPatch()
    {
        using var buffer = Write();
        return buffer.WrittenSpan.ToArray();
    }

    public override string ToString()
    {
        using var buffer = Write();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The document in a pooled buffer: a patch for hundreds of rules is hundreds of kilobytes.</summary>
    private PooledBufferWriter Write()
    {
        var buffer = new PooledBufferWriter();
        try
        {
            using var writer = new Utf8JsonWriter(buffer);
            writer.WriteStartArray();
            foreach (var op in Operations)
            {
                writer.WriteStartObject();
                writer.WriteString(OpField, op.OpName);
                writer.WriteString(PathName, op.Path);
                if (op.HasValue)
                {
                    writer.WritePropertyName(ValueName);
                    op.WriteValue(writer);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.Flush();
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }
}
