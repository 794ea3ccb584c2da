using System.Text.Json.Nodes;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>
/// The replay for a pipeline: one JSON document (README, "simulate --output json", describes it).
/// Field names are part of the contract: add fields, never rename or remove them without raising
/// <see cref="FormatVersion"/>.
/// </summary>
internal static class JsonReport
{
    public const int FormatVersion = 1;

    public static string Write(ReplayHeader header, ReplayRecord record)
    {
        var columns = WeightTable.Columns(record, header.Canary, header.Stable);
        var failed = record.FailedStep;
        var document = new JsonObject
        {
            ["formatVersion"] = FormatVersion,
            ["rollout"] = new JsonObject { ["namespace"] = header.Namespace, ["name"] = header.Name, ["source"] = header.RolloutSource },
            ["routesSource"] = header.RoutesSource,
            ["pluginName"] = header.PluginName,
            ["canaryService"] = header.Canary,
            ["stableService"] = header.Stable,
            ["before"] = new JsonObject
            {
                ["weights"] = Weights(columns, record.Before, header),
                ["traffic"] = Traffic(columns, record.Before, header),
                ["routes"] = Routes(record.Before),
            },
            ["steps"] = new JsonArray([.. Steps(record, columns, header)]),
            ["result"] = new JsonObject
            {
                ["succeeded"] = failed is null,
                ["calls"] = record.Calls,
                ["failedCalls"] = record.FailedCalls,
                ["failedStep"] = failed?.Label,
            },
        };
        return document.ToJsonString(RouteRenderer.Indented) + "\n";
    }

    private static IEnumerable<JsonNode> Steps(ReplayRecord record, IReadOnlyList<RuleColumn> columns, ReplayHeader header)
    {
        var managedBefore = WeightTable.ManagedKeys(record.Before);
        foreach (var step in record.Steps)
        {
            var managedAfter = WeightTable.ManagedKeys(step.RoutesAfter);
            yield return new JsonObject
            {
                ["step"] = step.Label,
                ["kind"] = step.Kind,
                ["title"] = step.Title,
                ["outcome"] = WeightTable.Outcome(step),
                ["calls"] = new JsonArray([.. step.Calls.Select(c => (JsonNode)new JsonObject
                {
                    ["method"] = c.Method,
                    ["call"] = c.Call,
                    ["succeeded"] = c.Succeeded,
                    ["outcome"] = c.Outcome,
                })]),
                ["notes"] = new JsonArray([.. step.Notes.Select(n => (JsonNode)n)]),
                ["weights"] = Weights(columns, step.RoutesAfter, header),
                ["traffic"] = Traffic(columns, step.RoutesAfter, header),
                ["managedRoutes"] = new JsonArray([.. managedAfter.Select(k => (JsonNode)new JsonObject
                    {
                        ["route"] = k,
                        ["change"] = managedBefore.Contains(k) ? "kept" : "created",
                    })
                    .Concat(managedBefore.Where(k => !managedAfter.Contains(k)).Select(k => (JsonNode)new JsonObject { ["route"] = k, ["change"] = "deleted" }))]),
                ["changedRoutes"] = new JsonArray([.. step.Writes.Select(w => (JsonNode)new JsonObject { ["route"] = w.Key, ["deleted"] = w.After is null })]),
                ["routes"] = Routes(step.RoutesAfter),
            };
            managedBefore = managedAfter;
        }
    }

    private static JsonArray Weights(IReadOnlyList<RuleColumn> columns, IReadOnlyList<ApisixRouteSnapshot> routes, ReplayHeader header) =>
        new([.. columns.Select(c => (JsonNode)new JsonObject
        {
            ["route"] = c.Route,
            ["rule"] = c.Rule,
            ["backends"] = c.Backends(routes, header.Canary, header.Stable) is { } backends
                ? new JsonArray([.. backends.Select(b => (JsonNode)new JsonObject
                {
                    ["serviceName"] = b.ServiceName,
                    ["role"] = b.Role,
                    // null: no weight field, which APISIX reads as 100.
                    ["weight"] = b.Weight,
                })])
                : null,
        })]);

    /// <summary>
    /// Per column, the traffic as APISIX shares it (see <see cref="TrafficJson"/>), outcome "gone"
    /// when the route or rule is. Added within format 1: no field was renamed or removed.
    /// </summary>
    private static JsonArray Traffic(IReadOnlyList<RuleColumn> columns, IReadOnlyList<ApisixRouteSnapshot> routes, ReplayHeader header) =>
        new([.. columns.Select(c => (JsonNode)(TrafficSection.For(c, routes, header.Roles) is { } traffic
            ? TrafficJson.Rule(traffic)
            : new JsonObject { ["route"] = c.Route, ["rule"] = c.Rule, ["outcome"] = "gone" }))]);

    private static JsonArray Routes(IReadOnlyList<ApisixRouteSnapshot> routes) => new([.. routes.Select(r => (JsonNode)RouteRenderer.Clean(r))]);
}
