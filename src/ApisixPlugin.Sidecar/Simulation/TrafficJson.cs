using System.Text.Json.Nodes;
using ApisixPlugin.Core.Traffic;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>
/// A rule's traffic as both JSON reports write it (simulate's steps, check's Rollouts): the shares
/// per backend, the managed rules over it in priority order, the notes, and the line the text
/// report prints. Percentages are numbers with one decimal.
/// </summary>
internal static class TrafficJson
{
    public static JsonObject Rule(RuleTraffic traffic)
    {
        var node = Split(traffic.Source);
        node["managed"] = new JsonArray([.. traffic.Managed.Select(m =>
        {
            var managed = Split(m.Split);
            managed["kind"] = m.Kind;
            managed["condition"] = m.Condition;
            managed["mirror"] = m.Mirror is { } mirror
                ? new JsonObject { ["host"] = mirror.Host, ["serviceName"] = mirror.ServiceName, ["percent"] = mirror.Percent }
                : null;
            return (JsonNode)managed;
        })]);
        node["text"] = traffic.Describe();
        return node;
    }

    private static JsonObject Split(RuleSplit split) => new()
    {
        ["route"] = split.Route,
        ["rule"] = split.Rule,
        ["priority"] = split.Priority,
        ["outcome"] = Outcome(split.Outcome),
        ["problem"] = split.Problem,
        ["shares"] = new JsonArray([.. split.Backends.Select(b => (JsonNode)new JsonObject
        {
            ["serviceName"] = b.ServiceName,
            ["role"] = b.Role,
            ["weight"] = b.Weight,
            ["percent"] = b.Percent,
            ["skipped"] = b.Skipped,
        })]),
        ["notes"] = new JsonArray([.. split.Notes.Select(n => (JsonNode)n)]),
    };

    public static string Outcome(SplitOutcome outcome) => outcome switch
    {
        SplitOutcome.Split => "split",
        SplitOutcome.NoBackend => "no-backend",
        SplitOutcome.Rejected => "rejected",
        _ => "not-computed",
    };
}
