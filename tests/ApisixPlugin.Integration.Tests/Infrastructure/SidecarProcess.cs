using System.Net.Sockets;
using ApisixPlugin.Protos.V1;
using ApisixPlugin.Testing.Sidecar;
using Grpc.Net.Client;

namespace ApisixPlugin.Integration.Tests.Infrastructure;

/// <summary>The real sidecar process (<see cref="SidecarHost"/>) plus a gRPC client over its Unix socket.</summary>
public sealed class SidecarProcess : IAsyncDisposable
{
    private readonly SidecarHost _host;
    private readonly GrpcChannel _channel;

    private SidecarProcess(SidecarHost host)
    {
        _host = host;
        _channel = ChannelFor(host.SocketPath);
        Client = new TrafficRouter.TrafficRouterClient(_channel);
    }

    public string SocketPath => _host.SocketPath;

    public TrafficRouter.TrafficRouterClient Client { get; }

    public string Output => _host.Output;

    public Task<string> WaitForLineAsync(string text) => _host.WaitForLineAsync(text, TimeSpan.FromSeconds(10));

    /// <summary>Runs the sidecar with these arguments and returns once its socket accepts connections.</summary>
    public static Task<SidecarProcess> StartAsync(string kubeconfig, params string[] extraArgs) =>
        StartAsync(kubeconfig, new Dictionary<string, string>(), extraArgs);

    /// <summary>As <see cref="StartAsync(string, string[])"/>, with these environment variables added.</summary>
    public static async Task<SidecarProcess> StartAsync(string kubeconfig, IReadOnlyDictionary<string, string> environment, params string[] extraArgs)
    {
        var socket = Path.Combine(Directory.CreateTempSubdirectory("apisix-sidecar-").FullName, "sidecar.sock");
        return new SidecarProcess(await SidecarHost.StartAsync(socket, kubeconfig, environment, ["--log-format", "text", .. extraArgs]));
    }

    /// <summary>SIGTERM; the exit code once it has ended (<see cref="SidecarHost.TerminateAsync"/>).</summary>
    public Task<int> TerminateAsync(TimeSpan timeout) => _host.TerminateAsync(timeout);

    public static Task<(int ExitCode, string Output)> RunToExitAsync(params string[] args) => SidecarHost.RunToExitAsync(args);

    public static Task<(int ExitCode, string Output)> RunToExitAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        SidecarHost.RunToExitAsync(environment, args);

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
        await _host.DisposeAsync();
    }
}
