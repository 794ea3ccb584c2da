using System.Text.Json.Nodes;
using ApisixPlugin.Kubernetes.Manifests;
using ApisixPlugin.Sidecar.Hosting;

namespace ApisixPlugin.Integration.Tests.Simulation;

/// <summary>One in-process run of <c>apisix-plugin simulate</c>, with what it printed.</summary>
internal sealed record SimulateRun(int ExitCode, string Output, string Error)
{
    /// <summary>The program's own command line, with "simulate" before the arguments.</summary>
    private static readonly SidecarCommandLine CommandLine = new(_ => throw new InvalidOperationException("simulate must not serve"));

    public static async Task<SimulateRun> StartAsync(params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var exitCode = await CommandLine.InvokeAsync(["simulate", .. args], output, error);
        return new SimulateRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>The output's paragraphs (a header line and what follows it up to a blank line).</summary>
    public IReadOnlyList<string> Sections() => Output.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

    public string Section(string header) =>
        Sections().SingleOrDefault(s => s.StartsWith(header + "\n", StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"no section '{header}' in:\n{Output}");

    /// <summary>The text report's traffic line of <paramref name="step"/> (for the first column), without the step label.</summary>
    public string TrafficLine(string step)
    {
        var section = Sections().Single(s => s.StartsWith("traffic after each step", StringComparison.Ordinal));
        return section.Split('\n').Single(l => l.StartsWith(step + " ", StringComparison.Ordinal))[step.Length..].TrimStart();
    }

    /// <summary>The route printed (as YAML, indented by four) under "changed KEY:" in a section, read back as JSON.</summary>
    public static JsonObject PrintedRoute(string section, string key)
    {
        var lines = section.Split('\n');
        var start = Array.FindIndex(lines, l => l == $"  changed {key}:" || l == $"  created {key}:");
        Assert.True(start >= 0, $"route {key} is not printed in:\n{section}");
        var yaml = string.Join('\n', lines.Skip(start + 1).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal)).Select(l => l[4..]));
        return (JsonObject)ManifestYaml.ReadDocuments(yaml, key).Single();
    }

    /// <summary>serviceName → weight of the first rule's backends.</summary>
    public static Dictionary<string, long> Weights(JsonObject route) =>
        route["spec"]!["http"]![0]!["backends"]!.AsArray()
            .ToDictionary(b => (string)b!["serviceName"]!, b => (long)b!["weight"]!);

    /// <summary>A file in a fresh temporary folder, removed with the folder on dispose.</summary>
    public sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("simulate-test-").FullName;

        public string Write(string name, string text)
        {
            var file = System.IO.Path.Combine(Path, name);
            File.WriteAllText(file, text);
            return file;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
