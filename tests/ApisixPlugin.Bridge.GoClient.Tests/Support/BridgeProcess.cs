using System.Diagnostics;
using System.Text;
using ApisixPlugin.Testing.Processes;

namespace ApisixPlugin.Bridge.GoClient.Tests.Support;

/// <summary>
/// The bridge started directly (no go-plugin client), for what the client hides: the handshake
/// line itself, the cookie check, signals. Killed with SIGKILL on dispose.
/// </summary>
internal sealed class BridgeProcess : IAsyncDisposable
{
    public const string CookieKey = "ARGO_ROLLOUTS_RPC_PLUGIN";
    public const string CookieValue = "trafficrouter";

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

    /// <summary>Starts <paramref name="file"/> (or, with a wrapper like chroot, <paramref name="file"/> runs it) with the controller's environment.</summary>
    public static BridgeProcess Start(string file, IEnumerable<string> args, bool withCookie = true)
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
        return new BridgeProcess(Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}"));
    }

    /// <summary>The first stdout line, or a failure (with stderr) if none arrives in time.</summary>
    public async Task<string> ReadFirstLineAsync(TimeSpan timeout)
    {
        var read = _process.StandardOutput.ReadLineAsync();
        if (await Task.WhenAny(read, Task.Delay(timeout)) != read)
        {
            throw new Xunit.Sdk.XunitException($"no stdout line within {timeout.TotalSeconds}s; stderr:\n{Stderr}");
        }
        return await read ?? throw new Xunit.Sdk.XunitException($"stdout closed without a line; stderr:\n{Stderr}");
    }

    /// <summary>Whatever stdout still yields until it closes or the timeout passes.</summary>
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
                throw new Xunit.Sdk.XunitException($"no stderr line with '{text}' within {timeout.TotalSeconds} s; stderr:\n{Stderr}");
            }

            await Task.Delay(10);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        await _stderrPump;
        return _process.ExitCode;
    }

    public async Task SignalAsync(string signal)
    {
        var result = await ProcessRun.RunAsync("kill", [$"-{signal}", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
        Assert.True(result.ExitCode == 0, result.Describe());
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
}
