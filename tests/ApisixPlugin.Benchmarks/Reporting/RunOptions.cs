namespace ApisixPlugin.Benchmarks.Reporting;

/// <summary>The harness's own switches; anything else is passed on to BenchmarkDotNet.</summary>
internal sealed record RunOptions(bool Quick, string? SummaryPath, string? SidecarDll, string[] Rest)
{
    public static RunOptions Parse(string[] args)
    {
        var quick = false;
        string? summary = null;
        string? sidecar = null;
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
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        return new RunOptions(quick, summary, sidecar, [.. rest]);
    }
}
