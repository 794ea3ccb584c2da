using System.Globalization;
using System.Text;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>A configured rule's backends as a step left them, for the table and the JSON report.</summary>
/// <param name="Weight">The weight as written; null when the backend has no weight field (APISIX's default, 100).</param>
internal sealed record BackendWeight(string ServiceName, string Role, int? Weight, bool HasWeightField);

/// <summary>One column of the table: a rule of a source route that holds the canary or the stable backend.</summary>
internal sealed record RuleColumn(string Route, string Rule)
{
    public string Header => $"{Route} {Rule}";

    /// <summary>Null when the route or the rule is gone.</summary>
    public IReadOnlyList<BackendWeight>? Backends(IReadOnlyList<ApisixRouteSnapshot> routes, string canary, string stable)
    {
        var route = routes.FirstOrDefault(r => r.Key == Route);
        if (route?.FindRule(Rule) is not { } rule)
        {
            return null;
        }

        return [.. rule.Backends.Select(b => new BackendWeight(b.ServiceName,
            b.ServiceName == canary ? "canary" : b.ServiceName == stable ? "stable" : "other",
            b.Weight,
            b.Json.TryGetProperty("weight"u8, out _)))];
    }
}

/// <summary>
/// The replay at a glance: a row per step (what it is, the calls made, how they ended) and a
/// column per configured rule with canary/stable weights after the step, then the managed
/// routes present (+ made by the step, - removed by it).
/// </summary>
internal static class WeightTable
{
    public const string Legend =
        "weights are canary/stable after each step (+service:weight for any other backend); * no weight field: APISIX's default 100; managed routes: + created, - deleted by the step";

    /// <summary>Rules of the routes before the replay (managed routes excluded) that hold the canary or the stable backend.</summary>
    public static IReadOnlyList<RuleColumn> Columns(ReplayRecord record, string canary, string stable) =>
        [.. record.Before.Where(r => !ManagedRouteOwnership.IsManagedByPlugin(r)).SelectMany(route => route.Rules()
            .Where(rule => rule.HasBackend(canary) || rule.HasBackend(stable))
            .Select(rule => new RuleColumn(route.Key, rule.Name)))];

    public static string Render(ReplayRecord record, string canary, string stable, string rolloutNamespace)
    {
        var columns = Columns(record, canary, stable);
        List<string[]> rows = [["step", "what", "calls", "outcome", .. columns.Select(c => c.Header), "managed routes"]];
        rows.Add(["before", "", "", "", .. columns.Select(c => Cell(c.Backends(record.Before, canary, stable))), ""]);
        var managedBefore = ManagedKeys(record.Before);
        foreach (var step in record.Steps)
        {
            var managedAfter = ManagedKeys(step.RoutesAfter);
            rows.Add([
                step.Label,
                What(step),
                step.Calls.Count == 0 ? "-" : string.Join(", ", step.Calls.Select(c => c.Call)),
                Outcome(step),
                .. columns.Select(c => Cell(c.Backends(step.RoutesAfter, canary, stable))),
                Managed(managedBefore, managedAfter, rolloutNamespace),
            ]);
            managedBefore = managedAfter;
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.Append(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd()).Append('\n');
        }

        return text.Append(Legend).Append('\n').ToString();
    }

    public static string Cell(IReadOnlyList<BackendWeight>? backends)
    {
        if (backends is null)
        {
            return "(gone)";
        }

        string Of(string role) => backends.FirstOrDefault(b => b.Role == role) is { } b ? Weight(b) : "-";
        var others = backends.Where(b => b.Role == "other").Select(b => $" +{b.ServiceName}:{Weight(b)}");
        return $"{Of("canary")}/{Of("stable")}{string.Concat(others)}";
    }

    private static string Weight(BackendWeight backend) =>
        backend.Weight is { } w ? w.ToString(CultureInfo.InvariantCulture) : backend.HasWeightField ? "?" : "100*";

    private static string What(ReplayedStep step) => step.Kind switch
    {
        "init" => "start",
        "promote" => "all steps done",
        "promoted" => "canary is stable now",
        "abort" => "abort",
        _ => step.Title,
    };

    public static string Outcome(ReplayedStep step) => step.Outcome switch
    {
        StepOutcome.Failed => "FAILED",
        StepOutcome.Skipped => "skipped",
        _ when step.Calls.Any(c => c.Method == "VerifyWeight" && c.Outcome != "verified") => "not verified",
        _ => "ok",
    };

    /// <summary>The keys of the plugin's managed routes among <paramref name="routes"/>, in order.</summary>
    public static SortedSet<string> ManagedKeys(IReadOnlyList<ApisixRouteSnapshot> routes) =>
        new(routes.Where(ManagedRouteOwnership.IsManagedByPlugin).Select(r => r.Key), StringComparer.Ordinal);

    private static string Managed(SortedSet<string> before, SortedSet<string> after, string rolloutNamespace)
    {
        string Short(string key) => key.StartsWith(rolloutNamespace + "/", StringComparison.Ordinal) ? key[(rolloutNamespace.Length + 1)..] : key;
        var cells = after.Select(k => (before.Contains(k) ? "" : "+") + Short(k))
            .Concat(before.Where(k => !after.Contains(k)).Select(k => "-" + Short(k)));
        return string.Join(" ", cells);
    }
}
