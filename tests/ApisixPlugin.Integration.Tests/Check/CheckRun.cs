using System.Text.Json.Nodes;
using ApisixPlugin.Sidecar.Hosting;

namespace ApisixPlugin.Integration.Tests.Check;

/// <summary>One in-process run of <c>apisix-plugin check</c>, with what it printed.</summary>
internal sealed record CheckRun(int ExitCode, string Output, string Error)
{
    private static readonly SidecarCommandLine CommandLine = Reading(Environment.GetEnvironmentVariable);

    private static SidecarCommandLine Reading(Func<string, string?> environment) =>
        new(_ => throw new InvalidOperationException("check must not serve"), environment);

    public static Task<CheckRun> StartAsync(params string[] args) => StartAsync(CommandLine, args);

    /// <summary>A run that reads these environment variables (and no others) as the process's.</summary>
    public static Task<CheckRun> StartAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        StartAsync(Reading(environment.GetValueOrDefault), args);

    private static async Task<CheckRun> StartAsync(SidecarCommandLine commandLine, string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var exitCode = await commandLine.InvokeAsync(["check", .. args], output, error);
        return new CheckRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>The run with --output json, its document parsed.</summary>
    public static Task<(CheckRun Run, JsonObject Report)> JsonAsync(params string[] args) => JsonAsync(CommandLine, args);

    /// <summary>As <see cref="JsonAsync(string[])"/>, reading these environment variables.</summary>
    public static Task<(CheckRun Run, JsonObject Report)> JsonAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        JsonAsync(Reading(environment.GetValueOrDefault), args);

    private static async Task<(CheckRun Run, JsonObject Report)> JsonAsync(SidecarCommandLine commandLine, string[] args)
    {
        var run = await StartAsync(commandLine, [.. args, "--output", "json"]);
        var report = JsonNode.Parse(run.Output) as JsonObject
            ?? throw new InvalidOperationException($"check printed no JSON object (exit {run.ExitCode}):\n{run.Output}\n{run.Error}");
        return (run, report);
    }
}

/// <summary>Reading the JSON report in tests.</summary>
internal static class CheckReportJson
{
    public sealed record Finding(string Status, string Check, string Subject, string Message);

    /// <summary>The findings not tied to one Rollout.</summary>
    public static IReadOnlyList<Finding> General(this JsonObject report) => Read(report["findings"]);

    public static IReadOnlyList<Finding> Rollout(this JsonObject report, string ns, string name)
    {
        var rollout = report["rollouts"]!.AsArray().OfType<JsonObject>()
            .SingleOrDefault(r => (string?)r["namespace"] == ns && (string?)r["name"] == name)
            ?? throw new InvalidOperationException($"no rollout {ns}/{name} in the report:\n{report}");
        return Read(rollout["findings"]);
    }

    public static IReadOnlyList<Finding> All(this JsonObject report) =>
        [.. report.General(), .. report["rollouts"]!.AsArray().OfType<JsonObject>().SelectMany(r => Read(r["findings"]))];

    public static IReadOnlyList<Finding> Failed(this JsonObject report) => [.. report.All().Where(f => f.Status == "fail")];

    private static List<Finding> Read(JsonNode? findings) =>
        [.. findings!.AsArray().OfType<JsonObject>().Select(f => new Finding((string)f["status"]!, (string)f["check"]!, (string)f["subject"]!, (string)f["message"]!))];
}
