using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Net.Sockets;
using System.Text;

namespace ApisixPlugin.Testing.Sidecar;

/// <summary>
/// The real sidecar (<c>apisix-plugin serve</c>) on a Unix socket with a kubeconfig; ready once the
/// socket accepts connections. Shared by every suite that needs the real sidecar process. It is
/// the NativeAOT file the image ships when APISIX_SIDECAR_PATH names it (tests/run-all.sh always
/// does), else the JIT build output of the test project (a developer's quick `dotnet test`).
/// </summary>
public sealed partial class SidecarHost : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SidecarHost(Process process, string socketPath)
    {
        _process = process;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// The first output line containing <paramref name="text"/>, waited for within
    /// <paramref name="timeout"/>: the output is read from a pipe, so a line logged before a call
    /// answered may reach it a moment after the answer.
    /// </summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var line = Output.Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (line is not null)
            {
                return line.TrimEnd('\r');
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no sidecar output line with '{text}' within {timeout.TotalSeconds} s:\n{Output}");
            }

            await Task.Delay(20);
        }
    }

    public const string PathVariable = "APISIX_SIDECAR_PATH";

    public static string SidecarDll => Path.Combine(AppContext.BaseDirectory, "apisix-plugin.dll");

    /// <summary>The published file under test, or null when the JIT build output runs.</summary>
    public static string? PublishedFile { get; } = Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path
        ? (File.Exists(path) ? path : throw new FileNotFoundException($"{PathVariable}={path} does not exist", path))
        : null;

    /// <summary>Starts <c>serve</c> on <paramref name="socketPath"/>; <paramref name="extraArgs"/> come last and win.</summary>
    public static Task<SidecarHost> StartAsync(string socketPath, string kubeconfig, params string[] extraArgs) =>
        StartAsync(socketPath, kubeconfig, new Dictionary<string, string>(), extraArgs);

    /// <summary>As <see cref="StartAsync(string, string, string[])"/>, with these environment variables added.</summary>
    public static async Task<SidecarHost> StartAsync(string socketPath, string kubeconfig, IReadOnlyDictionary<string, string> environment, params string[] extraArgs)
    {
        var process = Start(["serve", "--socket", socketPath, "--kubeconfig", kubeconfig, "--metrics-port", "0", "--log-format", "json", .. extraArgs], environment);
        var host = new SidecarHost(process, socketPath);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the sidecar exited with {process.ExitCode}:\n{host.Output}");
            }
            if (CanConnect(socketPath))
            {
                return host;
            }
            await Task.Delay(50);
        }
        await host.DisposeAsync();
        throw new TimeoutException($"the sidecar did not listen on {socketPath} within 30 s:\n{host.Output}");
    }

    /// <summary>Runs the sidecar to its exit (for start-up failures) and returns exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> RunToExitAsync(params string[] args) =>
        RunToExitAsync(new Dictionary<string, string>(), args);

    /// <summary>As <see cref="RunToExitAsync(string[])"/>, with these environment variables added.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Start(args, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(PublishedFile ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (PublishedFile is null)
        {
            info.ArgumentList.Add(SidecarDll);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start the sidecar");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static bool CanConnect(string socketPath)
    {
        if (!File.Exists(socketPath))
        {
            return false;
        }
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// SIGTERM, as the kubelet stops a container, then the exit code once the process has ended
    /// and its output has been read to the end, within <paramref name="timeout"/>.
    /// </summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (NativeKill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}");
        }

        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    private const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int NativeKill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        File.Delete(SocketPath);
    }
}
