namespace ApisixPlugin.Benchmarks.Reporting;

/// <summary>
/// The harness's own switches. --compare-sidecar label=path[|NAME=VALUE,...] (memory only, repeatable)
/// adds rows for another build of the sidecar, e.g. a trimmed self-contained publish or the build
/// before a change, beside the one the image runs; the variables after a bar replace the image's
/// DOTNET_GC* environment for that build (the image it shipped in had those).
/// --try "label|NAME=VALUE,NAME=VALUE" (memory only, repeatable) adds a row for the sidecar under test
/// with these environment variables on top of the image's, e.g. a GC setting to compare (the label
/// may contain '=', hence the bar). --try-in-flight N: the calls those rows keep in flight at once
/// (default: every Rollout's), e.g. 10 for argo-rollouts' default --rollout-threads.
/// </summary>
internal sealed record RunOptions(bool Quick, string? SummaryPath, string? SidecarDll, IReadOnlyList<(string Label, string Path, (string Name, string Value)[]? Environment)> CompareSidecars, string[] Rest)
{
    public IReadOnlyList<(string Label, (string Name, string Value)[] Environment)> Tries { get; init; } = [];

    /// <summary>Calls in flight for the --try rows; null: one per Rollout.</summary>
    public int? TriesInFlight { get; init; }

    public static RunOptions Parse(string[] args)
    {
        var quick = false;
        string? summary = null;
        string? sidecar = null;
        var compare = new List<(string, string, (string, string)[]?)>();
        var tries = new List<(string, (string, string)[])>();
        var rest = new List<string>();
        int? triesInFlight = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--summary" when i + 1 < args.Length:
                    summary = args[++i];
                    break;
                case "--sidecar" when i + 1 < args.Length:
                    sidecar = args[++i];
                    break;
                case "--compare-sidecar" when i + 1 < args.Length && args[i + 1].Contains('=', StringComparison.Ordinal):
                    var labelled = args[++i].Split('=', 2);
                    var pathAndEnvironment = labelled[1].Split('|', 2);
                    compare.Add((labelled[0], pathAndEnvironment[0], pathAndEnvironment.Length > 1 ? Variables(pathAndEnvironment[1]) : null));
                    break;
                case "--try" when i + 1 < args.Length && args[i + 1].Contains('|', StringComparison.Ordinal):
                    var tried = args[++i].Split('|', 2);
                    tries.Add((tried[0], Variables(tried[1])));
                    break;
                case "--try-in-flight" when i + 1 < args.Length && int.TryParse(args[i + 1], out var inFlight) && inFlight > 0:
                    triesInFlight = inFlight;
                    i++;
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        return new RunOptions(quick, summary, sidecar, compare, [.. rest]) { Tries = tries, TriesInFlight = triesInFlight };
    }

    /// <summary>"NAME=VALUE,NAME=VALUE" as pairs.</summary>
    private static (string Name, string Value)[] Variables(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => v.Split('=', 2)).Select(v => (v[0], v.Length > 1 ? v[1] : ""))];
}
