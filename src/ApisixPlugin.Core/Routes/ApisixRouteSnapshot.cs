using System.Collections.Immutable;
using System.Text.Json;

namespace ApisixPlugin.Core.Routes;

/// <summary>
/// One ApisixRoute exactly as the API server returned it. The JSON is kept whole (an owned,
/// read-only <see cref="JsonElement"/>) because a write must carry every field it does not own
/// through untouched, including fields of CRD versions this code has never seen.
/// </summary>
public sealed partial record ApisixRouteSnapshot(JsonElement Json)
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

    /// <summary>Set once the route is deleted while a finalizer still holds it; it goes when the last finalizer does.</summary>
    public string? DeletionTimestamp => Metadata("deletionTimestamp");

    public long Generation =>
        Json.TryGetProperty("metadata", out var m) && m.TryGetProperty("generation", out var g) && g.TryGetInt64(out var v) ? v : 0;

    public string? Annotation(string key) => StringMapEntry("annotations", key);

    public string? Label(string key) => StringMapEntry("labels", key);

    /// <summary>metadata.labels (string values only, as the API server stores them).</summary>
    public IReadOnlyDictionary<string, string> Labels()
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Json.TryGetProperty("metadata", out var m) && m.TryGetProperty("labels", out var map) && map.ValueKind == JsonValueKind.Object)
        {
            foreach (var label in map.EnumerateObject())
            {
                if (label.Value.ValueKind == JsonValueKind.String)
                {
                    labels[label.Name] = label.Value.GetString()!;
                }
            }
        }

        return labels;
    }

    public bool HasLabels => Json.TryGetProperty("metadata", out var m) && m.TryGetProperty("labels", out var l)
        && l.ValueKind == JsonValueKind.Object;

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
            if (rule.ValueKind == JsonValueKind.Object && rule.TryGetProperty("name"u8, out var n) && n.ValueKind == JsonValueKind.String && n.ValueEquals(name))
            {
                return RouteRule.From(index, rule);
            }

            index++;
        }

        return null;
    }

    /// <summary>How many rules of spec.http carry this name (the 1.x CRD does not make names unique).</summary>
    public int CountRulesNamed(string name)
    {
        if (!Json.TryGetProperty("spec", out var spec) || !spec.TryGetProperty("http", out var http)
            || http.ValueKind != JsonValueKind.Array)
        {
            return 0;
        }

        var count = 0;
        foreach (var rule in http.EnumerateArray())
        {
            if (rule.ValueKind == JsonValueKind.Object && rule.TryGetProperty("name"u8, out var n) && n.ValueKind == JsonValueKind.String && n.ValueEquals(name))
            {
                count++;
            }
        }

        return count;
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
    /// <summary>
    /// Reads the rule in one pass over its members rather than a search per member: a planner
    /// reads every rule of a large route. A member given twice counts with its last value, as
    /// <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/> finds it.
    /// </summary>
    public static RouteRule From(int index, JsonElement rule)
    {
        JsonElement? name = null, priority = null, list = null;
        foreach (var member in rule.ValueKind == JsonValueKind.Object ? rule.EnumerateObject() : default)
        {
            if (member.NameEquals("name"u8))
            {
                name = member.Value;
            }
            else if (member.NameEquals("priority"u8))
            {
                priority = member.Value;
            }
            else if (member.NameEquals("backends"u8))
            {
                list = member.Value;
            }
        }

        var backends = ImmutableArray<RouteBackend>.Empty;
        var priorityValue = priority is { ValueKind: JsonValueKind.Number } p && p.TryGetInt32(out var pv) ? pv : 0;
        if (list is { ValueKind: JsonValueKind.Array } array)
        {
            var builder = ImmutableArray.CreateBuilder<RouteBackend>(array.GetArrayLength());
            var i = 0;
            foreach (var backend in array.EnumerateArray())
            {
                builder.Add(RouteBackend.From(i++, backend));
            }

            backends = builder.MoveToImmutable();
        }

        var nameValue = name is { ValueKind: JsonValueKind.String } n ? n.GetString()! : "";
        return new RouteRule(index, nameValue, priorityValue, rule, backends)
        {
            HasBackendsArray = list is { ValueKind: JsonValueKind.Array },
            NameJson = name,
            BackendsJson = list,
        };
    }

    public bool HasBackendsArray { get; private init; }

    /// <summary>The backend of <paramref name="service"/>, or null; service names are unique in a checked rule.</summary>
    public RouteBackend? FindBackend(string service)
    {
        foreach (var backend in Backends)
        {
            if (backend.ServiceName == service)
            {
                return backend;
            }
        }

        return null;
    }

    public bool HasBackend(string service) => FindBackend(service) is not null;

    /// <summary>What is wrong with the priority, or null: absent, or a 32-bit integer, as APISIX takes it.</summary>
    public string? PriorityProblem() =>
        Json.ValueKind == JsonValueKind.Object && Json.TryGetProperty("priority"u8, out var p) && !(p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out _))
            ? $"is {RouteBackend.Describe(p)}; a priority must be a whole number from {int.MinValue} to {int.MaxValue}"
            : null;

    /// <summary>The name member as read, if any (a patch's guard tests it as it is).</summary>
    internal JsonElement? NameJson { get; private init; }

    /// <summary>The backends member as read, if any.</summary>
    internal JsonElement? BackendsJson { get; private init; }
}

/// <summary>One entry of a rule's backends.</summary>
public sealed record RouteBackend(int Index, string ServiceName, int? Weight, JsonElement Json)
{
    /// <summary>APISIX's weight when the field is absent.</summary>
    public const int DefaultWeight = 100;

    /// <summary>One pass over the members, as <see cref="RouteRule.From"/>.</summary>
    public static RouteBackend From(int index, JsonElement backend)
    {
        JsonElement? service = null, weight = null;
        foreach (var member in backend.ValueKind == JsonValueKind.Object ? backend.EnumerateObject() : default)
        {
            if (member.NameEquals("serviceName"u8))
            {
                service = member.Value;
            }
            else if (member.NameEquals("weight"u8))
            {
                weight = member.Value;
            }
        }

        var serviceName = service is { ValueKind: JsonValueKind.String } s ? s.GetString()! : "";
        int? weightValue = weight is { ValueKind: JsonValueKind.Number } w && w.TryGetInt32(out var wv) ? wv : null;
        return new RouteBackend(index, serviceName, weightValue, backend);
    }

    /// <summary>
    /// What is wrong with this entry for the plugin to weigh it, or null: it must be an object
    /// with a serviceName, and a weight, when given, must be a non-negative integer (the CRD of
    /// 1.x checks little of this, and APISIX would reject or misread the rest).
    /// </summary>
    public string? Problem()
    {
        if (Json.ValueKind != JsonValueKind.Object)
        {
            return $"is {Describe(Json)}, not an object";
        }

        if (ServiceName.Length == 0)
        {
            return "has no serviceName";
        }

        if (Json.TryGetProperty("weight"u8, out var weight) && weight.ValueKind != JsonValueKind.Number)
        {
            return $"has weight {Describe(weight)}; a weight must be a number";
        }

        return null;
    }

    /// <summary>
    /// The servicePort as a port number, or null when it is a port name, missing or out of range.
    /// </summary>
    public int? PortNumber => ServicePort is { ValueKind: JsonValueKind.Number } p && p.TryGetInt32(out var n) && n is >= 1 and <= 65535 ? n : null;

    internal static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"\"{value.GetString()}\" (a string)",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    public int EffectiveWeight => Weight ?? DefaultWeight;

    public JsonElement? ServicePort => Json.TryGetProperty("servicePort"u8, out var p) ? p : null;
}
