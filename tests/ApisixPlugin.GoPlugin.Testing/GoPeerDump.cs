using System.Diagnostics;

namespace ApisixPlugin.GoPlugin.Testing;

/// <summary>
/// Bytes written by real Go (tests/goplugin-peer's gobdump: Go's encoding/gob and net/rpc codecs).
/// Built once per test run with tests/goplugin-peer/build.sh, or taken from GOPLUGIN_PEER_DIR.
/// Fails, never skips, when Go is missing: run tests/infra/install-deps.sh.
/// </summary>
internal sealed class GoPeerDump
{
    private static readonly Lazy<string> Directory_ = new(Produce);

    public static string Directory => Directory_.Value;

    private static string Produce()
    {
        var binaries = Environment.GetEnvironmentVariable("GOPLUGIN_PEER_DIR");
        if (string.IsNullOrEmpty(binaries))
        {
            binaries = Path.Combine(Path.GetTempPath(), $"goplugin-peer-{Environment.ProcessId}");
            Run("bash", Path.Combine(RepoRoot(), "tests", "goplugin-peer", "build.sh"), binaries);
        }
        var dump = Path.Combine(Path.GetTempPath(), $"gobdump-{Environment.ProcessId}");
        Run(Path.Combine(binaries, "gobdump"), "-out", dump);
        return dump;
    }

    private static void Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {stderr.Result}");
        }
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ApisixPlugin.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
