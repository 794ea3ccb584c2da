using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace ApisixPlugin.GoPlugin.Testing;

/// <summary>
/// The bridge started directly (no go-plugin client), for what the client hides: the handshake
/// line itself, the cookie check, signals, stderr, memory. Either a file (the published bridge, or
/// a wrapper like chroot that runs it) or the JIT build beside the tests (dotnet
/// apisix-plugin-bridge.dll). Stderr is read all along; killed with its children on dispose.
/// </summary>
internal sealed class BridgeProcess : IAsyncDisposable
{
    private const string CookieKey = "ARGO_ROLLOUTS_RPC_PLUGIN";
    private const string CookieValue = "trafficrouter";

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Task _stderrPump;

    private BridgeProcess(Process process)
    {
        _process = process;
        _stderrPump = Task.Run(async () =>
        {
            string? line;
            while ((line = await process.StandardError.ReadLineAsync()) is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(line);
                }
            }
        });
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Stderr so far; all of it once <see cref="WaitForExitAsync"/> has returned.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="file"/> (or, with a wrapper like chroot, <paramref name="file"/> runs it)
    /// with the controller's environment, plus <paramref name="environment"/> (e.g. a container-like
    /// DOTNET_GCHeapHardLimit).
    /// </summary>
    public static BridgeProcess Start(string file, IEnumerable<string> args, bool withCookie = true, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment.Remove(CookieKey);
        if (withCookie)
        {
            info.Environment[CookieKey] = CookieValue;
            info.Environment["PLUGIN_MIN_PORT"] = "10000";
            info.Environment["PLUGIN_MAX_PORT"] = "25000";
            info.Environment["PLUGIN_PROTOCOL_VERSIONS"] = "1";
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        return new BridgeProcess(Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}"));
    }

    /// <summary>The JIT build in the test's output folder (a project reference to src/ApisixPlugin.Bridge puts it there), run with dotnet.</summary>
    public static BridgeProcess StartJit(IEnumerable<string> args, bool withCookie = true, IReadOnlyDictionary<string, string>? environment = null) =>
        Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "apisix-plugin-bridge.dll"), .. args], withCookie, environment);

    /// <summary>The first stdout line, or a failure (with stderr) if none arrives in time.</summary>
    public async Task<string> ReadFirstLineAsync(TimeSpan timeout)
    {
        var read = _process.StandardOutput.ReadLineAsync();
        if (await Task.WhenAny(read, Task.Delay(timeout)) != read)
        {
            throw new TimeoutException($"no stdout line within {timeout.TotalSeconds}s; stderr:\n{Stderr}");
        }
        return await read ?? throw new InvalidOperationException($"stdout closed without a line; stderr:\n{Stderr}");
    }

    /// <summary>Whatever stdout still yields until it closes (at the latest when the process exits) or the timeout passes.</summary>
    public async Task<string> ReadRestOfStdoutAsync(TimeSpan timeout)
    {
        var rest = _process.StandardOutput.ReadToEndAsync();
        return await Task.WhenAny(rest, Task.Delay(timeout)) == rest ? await rest : "";
    }

    /// <summary>Waits, within <paramref name="timeout"/>, for a stderr line containing <paramref name="text"/>.</summary>
    public async Task WaitForStderrAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Stderr.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no stderr line with '{text}' within {timeout.TotalSeconds} s; stderr:\n{Stderr}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>The exit code, once the process has exited and its stderr is read to the end.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        await _stderrPump.WaitAsync(deadline.Token);
        return _process.ExitCode;
    }

    /// <summary>Sends <paramref name="signal"/> with kill(2), as the kubelet or a terminal would.</summary>
    public void Signal(PosixSignal signal)
    {
        var number = signal switch
        {
            PosixSignal.SIGHUP => 1,
            PosixSignal.SIGINT => 2,
            PosixSignal.SIGQUIT => 3,
            PosixSignal.SIGTERM => 15,
            _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "not a signal the tests send"),
        };
        if (Kill(Pid, number) != 0)
        {
            throw new InvalidOperationException($"kill({Pid}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>A line of /proc/PID/status in KiB, e.g. VmRSS (resident now) or VmHWM (resident peak).</summary>
    public long StatusKiB(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"no {field} in /proc/{Pid}/status");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
