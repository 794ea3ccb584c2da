using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Traffic;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>
/// What the weights each step leaves mean for the requests: per table column (a source rule),
/// the share of each backend as APISIX applies them, and the header and mirror routes over the
/// rule. A simulation reads no Service, so every backend counts as served.
/// </summary>
internal static class TrafficSection
{
    public const string Title =
        "traffic after each step, as APISIX shares it (Services are not read here: every backend counts as served; check reads them):";

    /// <summary>The column's rule with what sits over it; null when the route or the rule is gone.</summary>
    public static RuleTraffic? For(RuleColumn column, IReadOnlyList<ApisixRouteSnapshot> routes, ServiceRoles roles)
    {
        var route = routes.FirstOrDefault(r => r.Key == column.Route);
        return route?.FindRule(column.Rule) is { } rule
            ? ManagedRuleTraffic.For(route, rule, routes, roles, KnownServices.NotRead, ControllerGeneration.Unknown)
            : null;
    }

    public static void Write(TextWriter output, ReplayRecord record, IReadOnlyList<RuleColumn> columns, ServiceRoles roles)
    {
        output.WriteLine(Title);
        var rows = new List<(string Label, IReadOnlyList<ApisixRouteSnapshot> Routes)> { ("before", record.Before) };
        rows.AddRange(record.Steps.Select(s => (s.Label, s.RoutesAfter)));
        var width = rows.Max(r => r.Label.Length) + 2;
        foreach (var (label, routes) in rows)
        {
            for (var i = 0; i < columns.Count; i++)
            {
                var traffic = For(columns[i], routes, roles);
                var start = (i == 0 ? label : "").PadRight(width);
                output.WriteLine($"{start}{columns[i].Route} rule {columns[i].Rule}: {traffic?.Describe() ?? "(gone)"}");
                foreach (var note in traffic?.AllNotes() ?? [])
                {
                    output.WriteLine($"{new string(' ', width)}  note: {note}");
                }
            }
        }
    }
}
