using System.Collections.Immutable;
using System.Text.Json;

namespace ApisixPlugin.Core.Routes;

/// <summary>
/// One ApisixRoute exactly as the API server returned it. The JSON is kept whole (a cloned,
/// read-only <see cref="JsonElement"/>) because a write must carry every field it does not own
/// through untouched, including fields of CRD versions this code has never seen.
/// </summary>
public sealed record ApisixRouteSnapshot(JsonElement Json)
{
    /// <summary>
    /// An element that owns its data, parsed straight into it: parsing into a pooled document and
    /// cloning that copied a large route a second time.
    /// </summary>
    public static ApisixRouteSnapshot Parse(string json) => new(JsonElement.Parse(json));

    public string Namespace => Metadata("namespace") ?? "";

    public string Name => Metadata("name") ?? "";

    public string Key => $"{Namespace}/{Name}";

    public string? Uid => Metadata("uid");

    public string? ResourceVersion => Metadata("resourceVersion");

    public long Generation =>
        Json.TryGetProperty("metadata", out var m) && m.TryGetProperty("generation", out var g) && g.TryGetInt64(out var v) ? v : 0;

    public string? Annotation(string key) => StringMapEntry("annotations", key);

    public string? Label(string key) => StringMapEntry("labels", key);

    public bool HasAnnotations => Json.TryGetProperty("metadata", out var m) && m.TryGetProperty("annotations", out var a)
        && a.ValueKind == JsonValueKind.Object;

    /// <summary>The rules of spec.http in their stored order (APISIX 2.x ids depend on positions).</summary>
    public ImmutableArray<RouteRule> Rules()
    {
        if (!Json.TryGetProperty("spec", out var spec) || !spec.TryGetProperty("http", out var http)
            || http.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var rules = ImmutableArray.CreateBuilder<RouteRule>(http.GetArrayLength());
        var index = 0;
        foreach (var rule in http.EnumerateArray())
        {
            rules.Add(RouteRule.From(index++, rule));
        }

        return rules.MoveToImmutable();
    }

    /// <summary>The rule named <paramref name="name"/>, without parsing the others.</summary>
    public RouteRule? FindRule(string name)
    {
        if (!Json.TryGetProperty("spec", out var spec) || !spec.TryGetProperty("http", out var http)
            || http.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var index = 0;
        foreach (var rule in http.EnumerateArray())
        {
            if (rule.TryGetProperty("name"u8, out var n) && n.ValueKind == JsonValueKind.String && n.ValueEquals(name))
            {
                return RouteRule.From(index, rule);
            }

            index++;
        }

        return null;
    }

    private string? Metadata(string field) =>
        Json.TryGetProperty("metadata", out var m) && m.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : null;

    private string? StringMapEntry(string map, string key) =>
        Json.TryGetProperty("metadata", out var m) && m.TryGetProperty(map, out var a) && a.ValueKind == JsonValueKind.Object
            && a.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : null;
}

/// <summary>One entry of spec.http, with its position and its backends.</summary>
public sealed record RouteRule(int Index, string Name, int Priority, JsonElement Json, ImmutableArray<RouteBackend> Backends)
{
    public static RouteRule From(int index, JsonElement rule)
    {
        var name = rule.TryGetProperty("name"u8, out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
        var priority = rule.TryGetProperty("priority"u8, out var p) && p.TryGetInt32(out var pv) ? pv : 0;
        var backends = ImmutableArray<RouteBackend>.Empty;
        if (rule.TryGetProperty("backends"u8, out var list) && list.ValueKind == JsonValueKind.Array)
        {
            var builder = ImmutableArray.CreateBuilder<RouteBackend>(list.GetArrayLength());
            var i = 0;
            foreach (var backend in list.EnumerateArray())
            {
                builder.Add(RouteBackend.From(i++, backend));
            }

            backends = builder.MoveToImmutable();
        }

        return new RouteRule(index, name, priority, rule, backends);
    }

    public bool HasBackendsArray => Json.TryGetProperty("backends"u8, out var b) && b.ValueKind == JsonValueKind.Array;
}

/// <summary>One entry of a rule's backends.</summary>
public sealed record RouteBackend(int Index, string ServiceName, int? Weight, JsonElement Json)
{
    /// <summary>APISIX's weight when the field is absent.</summary>
    public const int DefaultWeight = 100;

    public static RouteBackend From(int index, JsonElement backend)
    {
        var service = backend.TryGetProperty("serviceName"u8, out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : "";
        int? weight = backend.TryGetProperty("weight"u8, out var w) && w.TryGetInt32(out var wv) ? wv : null;
        return new RouteBackend(index, service, weight, backend);
    }

    public int EffectiveWeight => Weight ?? DefaultWeight;

    public JsonElement? ServicePort => Json.TryGetProperty("servicePort"u8, out var p) ? p : null;
}
