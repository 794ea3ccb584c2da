using System.Diagnostics;
using System.Globalization;

namespace ApisixPlugin.Testing.Cluster;

/// <summary>
/// One server (etcd or kube-apiserver) running in its own session and process group, with its
/// output in a log file. A watchdog in the same group kills the group when the test host dies
/// without running its exit handlers (SIGKILL, crash), so no server outlives the tests.
/// </summary>
internal sealed class ClusterProcess
{
    // $1 = test host pid; $2.. = server and args. setsid has already made this shell a session
    // leader (pid = pgid), and exec keeps that pid for the server, so the pid names the group.
    private const string LaunchScript =
        """
        host=$1; shift
        ( while kill -0 "$host" 2>/dev/null && kill -0 $$ 2>/dev/null; do sleep 1; done
          kill -s KILL -- -$$ ) </dev/null >/dev/null 2>&1 &
        exec "$@" </dev/null >"$CLUSTER_PROCESS_LOG" 2>&1
        """;

    private readonly Process _process;

    private ClusterProcess(string name, Process process, string logPath)
    {
        Name = name;
        _process = process;
        LogPath = logPath;
    }

    public string Name { get; }

    public string LogPath { get; }

    public int ProcessGroupId => _process.Id;

    public bool HasExited => _process.HasExited;

    public static ClusterProcess Start(string name, string binary, IEnumerable<string> args, string logPath)
    {
        var info = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var arg in new[] { "sh", "-c", LaunchScript, "sh", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), binary })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["CLUSTER_PROCESS_LOG"] = logPath;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {name} ({binary})");
        var started = new ClusterProcess(name, process, logPath);
        ExitCleanup.Register(started, started.KillNow);
        return started;
    }

    /// <summary>SIGTERM to the group, then SIGKILL if it has not exited within the grace period.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            ProcessGroupSignal.Terminate(ProcessGroupId);
            using var timeout = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Did not stop in time: fall through to SIGKILL.
            }
        }

        // Always kill the group: the watchdog (and anything the server forked) lives there too.
        ProcessGroupSignal.Kill(ProcessGroupId);
        ExitCleanup.Unregister(this);
        _process.Dispose();
    }

    /// <summary>Last-resort stop from a process-exit handler: no waiting, no async.</summary>
    public void KillNow() => ProcessGroupSignal.Kill(ProcessGroupId);

    public string LogTail(int lines = 40)
    {
        try
        {
            var all = File.ReadAllLines(LogPath);
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException e)
        {
            return $"(no log at {LogPath}: {e.Message})";
        }
    }

    public string Describe(int lines) =>
        $"--- {Name} (pid {ProcessGroupId}, {(HasExited ? $"exited with {_process.ExitCode}" : "running")}), last {lines} lines of {LogPath}:\n{LogTail(lines)}";
}
