using System.Diagnostics;
using System.Net.Sockets;
using ApisixPlugin.GoPlugin.Logging;

namespace ApisixPlugin.GoPlugin.Plugin;

/// <summary>
/// The plugin side of go-plugin's net/rpc protocol: a Unix socket listener whose handshake line
/// the host reads from stdout, and one <see cref="GoPluginConnection"/> per host connection.
/// </summary>
internal sealed class GoPluginServer : IDisposable
{
    private readonly Socket _listener;

    private GoPluginServer(Socket listener, string network, string address)
    {
        _listener = listener;
        Network = network;
        Address = address;
    }

    /// <summary>"unix", or "tcp" when there is no folder to put a socket in.</summary>
    public string Network { get; }

    /// <summary>The socket file, or 127.0.0.1:port.</summary>
    public string Address { get; }

    /// <summary>The one line the host expects first on stdout.</summary>
    public string HandshakeLine => GoPluginHandshake.Line(Network, Address);

    /// <summary>
    /// Binds and listens, so the handshake line may be printed; the services come later with
    /// <see cref="ServeAsync"/>, which keeps process start to handshake short.
    /// </summary>
    /// <param name="socketDirectory">Where the socket goes; default go-plugin's PLUGIN_UNIX_SOCKET_DIR, else the temp dir.</param>
    public static GoPluginServer Listen(string? socketDirectory = null)
    {
        var fromEnv = Environment.GetEnvironmentVariable("PLUGIN_UNIX_SOCKET_DIR");
        var directory = socketDirectory ?? (string.IsNullOrEmpty(fromEnv) ? Path.GetTempPath() : fromEnv);
        if (!Directory.Exists(directory))
        {
            // A bare root (a distroless image without /tmp): go-plugin's other transport.
            return ListenTcp();
        }

        for (var attempt = 0; ; attempt++)
        {
            var path = Path.Combine(directory, $"plugin{Environment.ProcessId}{Stopwatch.GetTimestamp() % 1_000_000}{attempt}");
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.Bind(new UnixDomainSocketEndPoint(path));
                socket.Listen(16);
                return new GoPluginServer(socket, "unix", path);
            }
            catch (SocketException) when (attempt < 5)
            {
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>Loopback TCP on the first free port in the host's PLUGIN_MIN_PORT..PLUGIN_MAX_PORT range.</summary>
    private static GoPluginServer ListenTcp()
    {
        var min = PortFromEnvironment("PLUGIN_MIN_PORT", 10000);
        var max = PortFromEnvironment("PLUGIN_MAX_PORT", 25000);
        for (var port = min; port <= max; port++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
                socket.Listen(16);
                return new GoPluginServer(socket, "tcp", $"127.0.0.1:{port}");
            }
            catch (SocketException)
            {
                socket.Dispose();
            }
        }

        throw new InvalidOperationException($"no free loopback port in {min}..{max} and no folder for a Unix socket");
    }

    private static int PortFromEnvironment(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var port) && port is > 0 and < 65536 ? port : fallback;

    /// <summary>Accepts host connections until cancelled.</summary>
    public async Task ServeAsync(GoPluginServerOptions options, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            options.Log.Write(PluginLogLevel.Debug, "host connected", ("address", Address));
            var connection = new GoPluginConnection(new NetworkStream(client, ownsSocket: true), options);
            _ = Task.Run(async () =>
            {
                var reason = await connection.RunAsync().ConfigureAwait(false);
                options.OnConnectionClosed?.Invoke(reason);
            }, CancellationToken.None);
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        if (Network != "unix")
        {
            return;
        }

        try
        {
            File.Delete(Address);
        }
        catch (IOException)
        {
            // Leaving a stale socket file in a temp dir is harmless.
        }
    }
}
