using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Weights;

/// <summary>How a backend that keeps its place but gets a new weight is written; both give the same bytes.</summary>
internal enum BackendCopy
{
    /// <summary>Its text as read with the weight's number swapped in, in one copy, when the writer would copy it unchanged anyway.</summary>
    TextWithWeightSwapped,

    /// <summary>Member by member through the writer: the general way, and the one the other is checked against.</summary>
    MemberByMember,
}

/// <summary>
/// Writes the new backends list of a rule <see cref="BackendsRewrite"/> decided to change, as JSON
/// bytes straight from the elements read: the list is never built as a tree, parsed and written
/// again. The one fast path (<see cref="BackendCopy.TextWithWeightSwapped"/>) is kept because the
/// translation benchmark shows what it saves at 500 rules; RESULTS.md has the figures.
/// </summary>
internal static class BackendsListWriter
{
    private static readonly JsonEncodedText WeightName = JsonEncodedText.Encode("weight");
    private static readonly JsonEncodedText ServiceNameName = JsonEncodedText.Encode("serviceName");
    private static readonly JsonEncodedText ServicePortName = JsonEncodedText.Encode("servicePort");
    private static readonly JsonEncodedText GranularityName = JsonEncodedText.Encode("resolveGranularity");

    /// <summary>The new list: nothing is built for it, it is written from the elements read.</summary>
    public static void Write(Utf8JsonWriter writer, ChangedRule changed, BackendCopy copy = BackendCopy.TextWithWeightSwapped)
    {
        var split = changed.Split;
        writer.WriteStartArray();
        foreach (var backend in changed.Rule.Backends)
        {
            if (split.WeightOf(backend.ServiceName) is { } weight)
            {
                WriteWithWeight(writer, backend.Json, weight, copy);
            }
            else if (!changed.AddedBefore.Contains(backend.ServiceName))
            {
                // Someone else's backend: carried through untouched.
                JsonElements.WriteTo(writer, backend.Json);
            }

            // else: an experiment backend of an earlier step that is gone now; dropped.
        }

        foreach (var destination in split.Additional)
        {
            if (!changed.Rule.HasBackend(destination.ServiceName))
            {
                WriteNewBackend(writer, changed.Stable, destination.ServiceName, destination.Weight);
            }
        }

        writer.WriteEndArray();
    }

    /// <summary>The backend with its weight set: replaced where it stands, or appended when absent.</summary>
    private static void WriteWithWeight(Utf8JsonWriter writer, JsonElement backend, int weight, BackendCopy copy)
    {
        if (copy == BackendCopy.TextWithWeightSwapped && TryWriteWithWeightAsIs(writer, backend, weight))
        {
            return;
        }

        writer.WriteStartObject();
        var written = false;
        foreach (var property in backend.EnumerateObject())
        {
            if (property.NameEquals("weight"u8))
            {
                writer.WriteNumber(WeightName, weight);
                written = true;
            }
            else
            {
                WriteProperty(writer, property);
            }
        }

        if (!written)
        {
            writer.WriteNumber(WeightName, weight);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// <see cref="WriteWithWeight"/> for a backend whose text the writer would copy unchanged (the
    /// common case): that text with the weight's number swapped in, or appended, in one copy.
    /// </summary>
    private static bool TryWriteWithWeightAsIs(Utf8JsonWriter writer, JsonElement backend, int weight)
    {
        const int MaxCopied = 1024;
        var text = JsonMarshal.GetRawUtf8Value(backend);
        if (text.Length > MaxCopied || !JsonElements.IsWrittenAsIs(writer, text))
        {
            return false;
        }

        Span<byte> number = stackalloc byte[11];
        if (!weight.TryFormat(number, out var numberLength, provider: CultureInfo.InvariantCulture))
        {
            return false;
        }

        Span<byte> copy = stackalloc byte[text.Length + 32];
        var length = 0;
        if (backend.TryGetProperty("weight"u8, out var current))
        {
            // Swapped where it stands.
            var value = JsonMarshal.GetRawUtf8Value(current);
            text.Overlaps(value, out var offset);
            Append(copy, ref length, text[..offset]);
            Append(copy, ref length, number[..numberLength]);
            Append(copy, ref length, text[(offset + value.Length)..]);
        }
        else
        {
            // Appended as the last member, as writing the members one by one does.
            Append(copy, ref length, text[..^1]);
            Append(copy, ref length, text.Length > 2 ? ",\"weight\":"u8 : "\"weight\":"u8);
            Append(copy, ref length, number[..numberLength]);
            Append(copy, ref length, "}"u8);
        }

        writer.WriteRawValue(copy[..length], skipInputValidation: true);
        return true;
    }

    private static void Append(Span<byte> buffer, ref int length, ReadOnlySpan<byte> part)
    {
        part.CopyTo(buffer[length..]);
        length += part.Length;
    }

    /// <summary>The same bytes as <see cref="JsonProperty.WriteTo"/>, copying what needs no re-encoding.</summary>
    private static void WriteProperty(Utf8JsonWriter writer, JsonProperty property)
    {
        var name = JsonMarshal.GetRawUtf8PropertyName(property);
        if (name.IndexOf((byte)'\\') >= 0)
        {
            // An escaped name: the writer must see it unescaped.
            property.WriteTo(writer);
            return;
        }

        writer.WritePropertyName(name);
        JsonElements.WriteTo(writer, property.Value);
    }

    /// <summary>An experiment backend: the stable backend's port and resolution, the experiment's service.</summary>
    private static void WriteNewBackend(Utf8JsonWriter writer, RouteBackend stable, string service, int weight)
    {
        writer.WriteStartObject();
        writer.WriteString(ServiceNameName, service);
        if (stable.ServicePort is { } port)
        {
            writer.WritePropertyName(ServicePortName);
            JsonElements.WriteTo(writer, port);
        }

        if (stable.Json.TryGetProperty("resolveGranularity"u8, out var granularity))
        {
            writer.WritePropertyName(GranularityName);
            JsonElements.WriteTo(writer, granularity);
        }

        writer.WriteNumber(WeightName, weight);
        writer.WriteEndObject();
    }
}
