namespace ApisixPlugin.Benchmarks.Reporting;

/// <summary>
/// The harness's own switches. --compare-sidecar label=path (memory only, repeatable) adds rows for
/// another build of the sidecar, e.g. a trimmed self-contained publish, beside the one the image runs.
/// </summary>
internal sealed record RunOptions(bool Quick, string? SummaryPath, string? SidecarDll, IReadOnlyList<(string Label, string Path)> CompareSidecars, string[] Rest)
{
    public static RunOptions Parse(string[] args)
    {
        var quick = false;
        string? summary = null;
        string? sidecar = null;
        var compare = new List<(string, string)>();
        var rest = new List<string>();
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
                    compare.Add((labelled[0], labelled[1]));
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        return new RunOptions(quick, summary, sidecar, compare, [.. rest]);
    }
}
