namespace ApisixPlugin.Deploy.Tests.Support;

/// <summary>The repository's Dockerfile, split into stages of instructions (continuations joined).</summary>
internal sealed class Dockerfile
{
    private Dockerfile(IReadOnlyList<(string Keyword, string Args)> global, IReadOnlyList<Stage> stages)
    {
        Global = global;
        Stages = stages;
    }

    /// <summary>The instructions before the first FROM (ARGs every stage may re-declare).</summary>
    public IReadOnlyList<(string Keyword, string Args)> Global { get; }

    public IReadOnlyList<Stage> Stages { get; }

    public Stage Build => Stages[0];

    public Stage Final => Stages[^1];

    public static Dockerfile Load(string path)
    {
        var global = new List<(string Keyword, string Args)>();
        var stages = new List<Stage>();
        var pending = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (pending.Length == 0 && (line.Length == 0 || line.StartsWith('#')))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            var instruction = (pending + line).Trim();
            pending = "";
            var keyword = instruction.Split(' ', 2)[0].ToUpperInvariant();
            var rest = instruction.Length > keyword.Length ? instruction[keyword.Length..].Trim() : "";
            if (keyword == "FROM")
            {
                stages.Add(new Stage(rest));
            }
            else if (stages.Count == 0)
            {
                global.Add((keyword, rest));
            }
            else
            {
                stages[^1].Instructions.Add((keyword, rest));
            }
        }

        return new Dockerfile(global, stages);
    }

    internal sealed class Stage(string from)
    {
        /// <summary>The FROM line after the keyword, e.g. "mcr.microsoft.com/dotnet/sdk:10.0 AS build".</summary>
        public string From { get; } = from;

        public List<(string Keyword, string Args)> Instructions { get; } = [];

        public IEnumerable<string> All(string keyword) =>
            Instructions.Where(i => i.Keyword == keyword).Select(i => i.Args);

        /// <summary>COPY sources from the build context (not --from another stage), as written.</summary>
        public IEnumerable<string> ContextSources() =>
            All("COPY").Where(a => !a.StartsWith("--from", StringComparison.Ordinal))
                .SelectMany(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]);
    }
}
