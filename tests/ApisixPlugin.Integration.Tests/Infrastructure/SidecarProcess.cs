using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using ApisixPlugin.Protos.V1;
using Grpc.Net.Client;

namespace ApisixPlugin.Integration.Tests.Infrastructure;

/// <summary>
/// The real sidecar executable (the referenced project's build output), started as its own
/// process on a Unix socket with a kubeconfig, and a gRPC client over that socket.
/// </summary>
public sealed class SidecarProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly GrpcChannel _channel;

    private SidecarProcess(Process process, string socketPath)
    {
        _process = process;
        SocketPath = socketPath;
        _channel = ChannelFor(socketPath);
        Client = new TrafficRouter.TrafficRouterClient(_channel);
    }

    public string SocketPath { get; }

    public TrafficRouter.TrafficRouterClient Client { get; }

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

    public static string SidecarDll => Path.Combine(AppContext.BaseDirectory, "apisix-plugin.dll");

    /// <summary>Runs the sidecar with these arguments and returns once its socket accepts connections.</summary>
    public static async Task<SidecarProcess> StartAsync(string kubeconfig, params string[] extraArgs)
    {
        var dir = Directory.CreateTempSubdirectory("apisix-sidecar-").FullName;
        var socket = Path.Combine(dir, "sidecar.sock");
        var process = Start(["serve", "--socket", socket, "--kubeconfig", kubeconfig, "--metrics-port", "0", "--log-format", "text", .. extraArgs]);
        var sidecar = new SidecarProcess(process, socket);
        process.OutputDataReceived += (_, e) => sidecar.Append(e.Data);
        process.ErrorDataReceived += (_, e) => sidecar.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the sidecar exited with {process.ExitCode}:\n{sidecar.Output}");
            }

            if (File.Exists(socket) && CanConnect(socket))
            {
                return sidecar;
            }

            await Task.Delay(50);
        }

        await sidecar.DisposeAsync();
        throw new TimeoutException($"the sidecar did not listen on {socket} within 30 s:\n{sidecar.Output}");
    }

    /// <summary>Runs the sidecar to its exit (for start-up failures) and returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public static GrpcChannel ChannelFor(string socketPath) =>
        GrpcChannel.ForAddress("http://sidecar", new GrpcChannelOptions
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

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static Process Start(string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(SidecarDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start the sidecar");
    }

    private static bool CanConnect(string socketPath)
    {
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
}
