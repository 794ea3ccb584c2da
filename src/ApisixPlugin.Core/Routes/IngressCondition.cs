using System.Text.Json;

namespace ApisixPlugin.Core.Routes;

/// <summary>
/// What the APISIX ingress controller last said of a route in its status: 2.x writes
/// <c>Accepted</c> with the generation it saw, 1.x writes <c>ResourcesAvailable</c>. The first
/// condition of either type is the one read; a route no controller reported on has none.
/// </summary>
public sealed record IngressCondition(string Type, string? Status, string? Reason, string? Message, long ObservedGeneration)
{
    public const string Accepted = "Accepted";
    public const string ResourcesAvailable = "ResourcesAvailable";

    public bool IsTrue => Status == "True";

    /// <summary>The condition, or null when status.conditions holds neither type (or is absent).</summary>
    public static IngressCondition? Read(ApisixRouteSnapshot route)
    {
        if (!route.Json.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Object
            || !status.TryGetProperty("conditions", out var conditions) || conditions.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var condition in conditions.EnumerateArray())
        {
            if (Text(condition, "type") is { } type && type is Accepted or ResourcesAvailable)
            {
                var observed = condition.TryGetProperty("observedGeneration", out var g) && g.TryGetInt64(out var v) ? v : 0;
                return new IngressCondition(type, Text(condition, "status"), Text(condition, "reason"), Text(condition, "message"), observed);
            }
        }

        return null;
    }

    /// <summary>"condition Accepted is False (Reason: message)", as messages quote it.</summary>
    public string Describe() => $"condition {Type} is {Status ?? "unknown"} ({Reason}: {Message})";

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
