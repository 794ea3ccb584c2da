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

    private GoPluginServer(Socket listener, string socketPath)
    {
        _listener = listener;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    /// <summary>The one line the host expects first on stdout.</summary>
    public string HandshakeLine => GoPluginHandshake.Line(SocketPath);

    /// <summary>
    /// Binds and listens, so the handshake line may be printed; the services come later with
    /// <see cref="ServeAsync"/>, which keeps process start to handshake short.
    /// </summary>
    /// <param name="socketDirectory">Where the socket goes; default go-plugin's PLUGIN_UNIX_SOCKET_DIR, else the temp dir.</param>
    public static GoPluginServer Listen(string? socketDirectory = null)
    {
        var fromEnv = Environment.GetEnvironmentVariable("PLUGIN_UNIX_SOCKET_DIR");
        var directory = socketDirectory ?? (string.IsNullOrEmpty(fromEnv) ? Path.GetTempPath() : fromEnv);
        for (var attempt = 0; ; attempt++)
        {
            var path = Path.Combine(directory, $"plugin{Environment.ProcessId}{Stopwatch.GetTimestamp() % 1_000_000}{attempt}");
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.Bind(new UnixDomainSocketEndPoint(path));
                socket.Listen(16);
                return new GoPluginServer(socket, path);
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
            options.Log.Write(PluginLogLevel.Debug, "host connected", ("socket", SocketPath));
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
        try
        {
            File.Delete(SocketPath);
        }
        catch (IOException)
        {
            // Leaving a stale socket file in a temp dir is harmless.
        }
    }
}
