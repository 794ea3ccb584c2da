using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Weights;

/// <summary>A configured rule whose backends list the split changes, with what writing the new list needs.</summary>
internal sealed record ChangedRule(RouteRule Rule, RouteBackend Stable, ImmutableSortedSet<string> AddedBefore, WeightSplit Split)
{
    /// <summary>Writes the rule's new backends list (when the patch is serialized).</summary>
    public void WriteBackends(Utf8JsonWriter writer) => BackendsRewrite.WriteBackends(writer, this);
}

/// <summary>
/// What a weight split does to the backends list of one rule. Every backend the split owns gets
/// its weight, someone else's backend is carried through untouched, an experiment backend of an
/// earlier step that the split no longer names is dropped, and a new experiment is appended.
/// <para>
/// Whether a list changes is decided from the values read (weights, service names), without
/// building the new list: building JSON node trees per rule is what made planning slow. The new
/// list of a changed rule is only written when the patch is serialized, straight from the elements
/// read, so it is never built, parsed and written again.
/// </para>
/// </summary>
internal static class BackendsRewrite
{
    private static readonly JsonEncodedText WeightName = JsonEncodedText.Encode("weight");
    private static readonly JsonEncodedText ServiceNameName = JsonEncodedText.Encode("serviceName");
    private static readonly JsonEncodedText ServicePortName = JsonEncodedText.Encode("servicePort");
    private static readonly JsonEncodedText GranularityName = JsonEncodedText.Encode("resolveGranularity");

    /// <summary>
    /// Checks that the split can be applied to <paramref name="rule"/> and returns what rewriting it
    /// needs, or null when its backends already are what the split asks for. The checks run in the
    /// order of the messages a caller has always seen for a rule that breaks several of them.
    /// </summary>
    public static ChangedRule? Check(ApisixRouteSnapshot route, RouteRule rule, WeightSplit split, ImmutableSortedSet<string> addedBefore)
    {
        _ = route.RequireBackend(rule, split.CanaryService, "canary");
        var stable = route.RequireBackend(rule, split.StableService, "stable");

        // The new list equals the old one exactly when every owned backend already has its weight
        // (as a JSON number) and no backend is dropped or added: service names are unique in a
        // rule, so dropping or adding one always changes the list.
        var unchanged = true;
        foreach (var backend in rule.Backends)
        {
            var owned = split.WeightOf(backend.ServiceName);
            var isExperiment = owned is not null && backend.ServiceName != split.CanaryService && backend.ServiceName != split.StableService;
            if (isExperiment && !addedBefore.Contains(backend.ServiceName))
            {
                throw RouterException.Precondition(
                    $"route {route.Key} rule '{rule.Name}': backend '{backend.ServiceName}' was not added by this plugin, so it will not take it over as an experiment destination");
            }

            if (owned is { } weight)
            {
                unchanged &= HasWeight(backend, weight);
            }
            else if (addedBefore.Contains(backend.ServiceName))
            {
                unchanged = false;
            }
        }

        foreach (var destination in split.Additional)
        {
            unchanged &= Contains(rule, destination.ServiceName);
        }

        if (TotalWeight(rule, split, addedBefore) <= 0)
        {
            // APISIX spreads traffic evenly when every weight is 0: never write that.
            throw RouterException.Invalid($"route {route.Key} rule '{rule.Name}': the split {split} would give every backend weight 0");
        }

        return unchanged ? null : new ChangedRule(rule, stable, addedBefore, split);
    }

    /// <summary>The new list: nothing is built for it, it is written from the elements read.</summary>
    public static void WriteBackends(Utf8JsonWriter writer, ChangedRule changed)
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
            if (!Contains(changed.Rule, destination.ServiceName))
            {
                WriteNewBackend(writer, changed.Stable, destination.ServiceName, destination.Weight);
            }
        }

        writer.WriteEndArray();
    }

    /// <summary>The backend with its weight set: replaced where it stands, or appended when absent.</summary>
    private static void WriteWithWeight(Utf8JsonWriter writer, JsonElement backend, int weight)
    {
        if (TryWriteWithWeightAsIs(writer, backend, weight))
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

    /// <summary>
    /// Whether the backend's weight already equals <paramref name="weight"/> as JSON values
    /// compare (so 20.0 equals 20): then rewriting it would give an equal list.
    /// </summary>
    private static bool HasWeight(RouteBackend backend, int weight)
    {
        // A plain integer (read with the backend) is the common case; any other spelling of a
        // number is compared as JSON.
        if (backend.Weight is { } value)
        {
            return value == weight;
        }

        return backend.Json.TryGetProperty("weight"u8, out var current) && current.ValueKind == JsonValueKind.Number
            && JsonElement.DeepEquals(current, JsonElements.Number(weight));
    }

    /// <summary>The sum of the weights the new list would have; absent or non-integer weights count as APISIX's default.</summary>
    private static long TotalWeight(RouteRule rule, WeightSplit split, ImmutableSortedSet<string> addedBefore)
    {
        var total = 0L;
        foreach (var backend in rule.Backends)
        {
            if (split.WeightOf(backend.ServiceName) is { } weight)
            {
                total = checked(total + weight);
            }
            else if (!addedBefore.Contains(backend.ServiceName))
            {
                total = checked(total + (backend.Weight ?? CarriedWeight(backend.Json)));
            }
        }

        foreach (var destination in split.Additional)
        {
            if (!Contains(rule, destination.ServiceName))
            {
                total = checked(total + destination.Weight);
            }
        }

        return total;
    }

    /// <summary>A weight that is not a plain 32-bit integer, as the total counts it: a larger integer as is, anything else as the default.</summary>
    private static long CarriedWeight(JsonElement backend) =>
        backend.TryGetProperty("weight"u8, out var w) && w.TryGetInt64(out var n) ? n : RouteBackend.DefaultWeight;

    private static bool Contains(RouteRule rule, string service)
    {
        foreach (var backend in rule.Backends)
        {
            if (backend.ServiceName == service)
            {
                return true;
            }
        }

        return false;
    }
}
