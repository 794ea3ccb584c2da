namespace ApisixPlugin.Testing.Processes;

/// <summary>
/// Two paths a prepare script builds and caches by source hash (tests/infra/cache.sh):
/// tests/run-all.sh runs the script before the suites and passes both in environment variables;
/// a developer's plain `dotnet test` runs it here instead, once per test run, and reads the two
/// lines it prints. No publish happens inside `dotnet build`.
/// </summary>
public sealed class PreparedByScript
{
    private readonly Lazy<Task<(string First, string Second)>> _shared;

    /// <param name="script">Relative to the repository root, e.g. tests/infra/prepare-arm64.sh.</param>
    /// <param name="names">What the two lines are, for the error when the script prints something else.</param>
    public PreparedByScript(string firstVariable, string secondVariable, string script, TimeSpan timeout, string names) =>
        _shared = new(async () =>
        {
            if (Environment.GetEnvironmentVariable(firstVariable) is { Length: > 0 } first
                && Environment.GetEnvironmentVariable(secondVariable) is { Length: > 0 } second)
            {
                return (first, second);
            }

            var result = await ProcessRun.RunAsync("bash", [Path.Combine(RepoPaths.Root, script)], timeout);
            var lines = result.EnsureSuccess().StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines.Length == 2
                ? (lines[0], lines[1])
                : throw new InvalidOperationException($"{Path.GetFileName(script)} printed {lines.Length} lines, not {names}: {result.Describe()}");
        });

    public Task<(string First, string Second)> GetAsync() => _shared.Value;
}
