using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ApisixPlugin.Protos.V1;
using Grpc.Net.Client;

namespace ApisixPlugin.Benchmarks.Sidecar;

/// <summary>
/// The real sidecar executable as its own process: gRPC on a Unix socket, Prometheus /metrics on a
/// free loopback port, the plugin user's kubeconfig, and environment variables (GC settings) as
/// given. Its log is drained (a full pipe would stall it) and only the tail kept for failures.
/// </summary>
internal sealed class SidecarUnderTest : IAsyncDisposable
{
    private readonly Process _process;
    private readonly GrpcChannel _channel;
    private readonly Queue<string> _logTail = new();
    private readonly HttpClient _http = new();

    private SidecarUnderTest(Process process, string socketPath, int metricsPort)
    {
        _process = process;
        MetricsPort = metricsPort;
        _channel = GrpcChannel.ForAddress("http://sidecar", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, cancellationToken) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            },
        });
        Client = new TrafficRouter.TrafficRouterClient(_channel);
    }

    public TrafficRouter.TrafficRouterClient Client { get; }

    public int Pid => _process.Id;

    public int MetricsPort { get; }

    public string LogTail
    {
        get
        {
            lock (_logTail)
            {
                return string.Join('\n', _logTail);
            }
        }
    }

    /// <summary>The sidecar next to this program (copied by the project reference), unless --sidecar names another build.</summary>
    public static string DefaultDll => Path.Combine(AppContext.BaseDirectory, "apisix-plugin.dll");

    public static async Task<SidecarUnderTest> StartAsync(string dll, string kubeconfig, IReadOnlyDictionary<string, string> environment)
    {
        var dir = Directory.CreateTempSubdirectory("apisixplugin-bench-").FullName;
        var socket = Path.Combine(dir, "sidecar.sock");
        var metricsPort = FreePort();
        // A .dll runs as the image runs it (`dotnet apisix-plugin.dll`); anything else is an executable (a self-contained publish).
        var isDll = dll.EndsWith(".dll", StringComparison.Ordinal);
        var info = new ProcessStartInfo(isDll ? "dotnet" : dll) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (isDll)
        {
            info.ArgumentList.Add(dll);
        }

        // The image's own environment (Dockerfile): no diagnostics IPC.
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        foreach (var arg in new[] { "serve", "--socket", socket, "--kubeconfig", kubeconfig, "--metrics-port", metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-format", "json" })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the sidecar");
        var sidecar = new SidecarUnderTest(process, socket, metricsPort);
        process.OutputDataReceived += (_, e) => sidecar.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => sidecar.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the sidecar exited with {process.ExitCode}:\n{sidecar.LogTail}");
            }

            if (File.Exists(socket) && await sidecar.MetricsAnswerAsync())
            {
                return sidecar;
            }

            await Task.Delay(50);
        }

        await sidecar.DisposeAsync();
        throw new TimeoutException($"the sidecar did not start within 30 s:\n{sidecar.LogTail}");
    }

    /// <summary>The Prometheus exposition text the sidecar serves.</summary>
    public Task<string> MetricsAsync() => _http.GetStringAsync(new Uri($"http://127.0.0.1:{MetricsPort}/metrics"));

    /// <summary>VmRSS from /proc/&lt;pid&gt;/status, in KiB; null once the process is gone.</summary>
    public long? ResidentKiB() => StatusKiB("VmRSS");

    /// <summary>
    /// One "Name: N kB" line of /proc/&lt;pid&gt;/status: VmRSS (resident), VmHWM (its peak since start),
    /// RssAnon (heap, stacks, JIT code) or RssFile (mapped assemblies, shared and reclaimable).
    /// </summary>
    public long? StatusKiB(string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    /// <summary>Open sockets of the process (its connections to the API server dominate under load).</summary>
    public int OpenSockets()
    {
        var count = 0;
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{Pid}/fd"))
            {
                if (new FileInfo(fd).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true)
                {
                    count++;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return count;
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task<bool> MetricsAnswerAsync()
    {
        try
        {
            _ = await MetricsAsync();
            return true;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logTail)
        {
            _logTail.Enqueue(line);
            if (_logTail.Count > 40)
            {
                _logTail.Dequeue();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
