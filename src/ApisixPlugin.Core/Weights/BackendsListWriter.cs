using System.Runtime.InteropServices;
using System.Text.Json;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Weights;

/// <summary>
/// Writes the new backends list of a rule <see cref="BackendsRewrite"/> decided to change, as JSON
/// bytes straight from the elements read: the list is never built as a tree, parsed and written
/// again. A backend whose weight changes is written member by member: copying its text with the
/// number swapped in saved 3-7% of a whole translation in the benchmark, too little for the code
/// it took (RESULTS.md).
/// </summary>
internal static class BackendsListWriter
{
    private static readonly JsonEncodedText WeightName = JsonEncodedText.Encode("weight");
    private static readonly JsonEncodedText ServiceNameName = JsonEncodedText.Encode("serviceName");
    private static readonly JsonEncodedText ServicePortName = JsonEncodedText.Encode("servicePort");
    private static readonly JsonEncodedText GranularityName = JsonEncodedText.Encode("resolveGranularity");

    /// <summary>The new list: nothing is built for it, it is written from the elements read.</summary>
    public static void Write(Utf8JsonWriter writer, ChangedRule changed)
    {
        var split = changed.Split;
        writer.WriteStartArray();
        foreach (var backend in changed.Rule.Backends)
        {
            if (split.WeightOf(backend.ServiceName) is { } weight)
            {
                WriteWithWeight(writer, backend.Json, weight);
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
    private static void WriteWithWeight(Utf8JsonWriter writer, JsonElement backend, int weight)
    {
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
