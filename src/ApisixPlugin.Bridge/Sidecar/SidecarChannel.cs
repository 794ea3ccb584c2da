using System.Net.Sockets;
using Grpc.Net.Client;

namespace ApisixPlugin.Bridge.Sidecar;

/// <summary>
/// A gRPC channel to the sidecar over its Unix socket. Connections are made on demand, so when
/// the sidecar restarts the next call simply connects again; a short connect timeout and reconnect
/// backoff keep a missing sidecar from holding calls until their deadline.
/// </summary>
internal static class SidecarChannel
{
    public static GrpcChannel Create(string socketPath, TimeSpan callTimeout)
    {
        var connectTimeout = callTimeout < TimeSpan.FromSeconds(5) ? callTimeout : TimeSpan.FromSeconds(5);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = connectTimeout,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            EnableMultipleHttp2Connections = true,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return GrpcChannel.ForAddress("http://sidecar", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(100),
            MaxReconnectBackoff = TimeSpan.FromSeconds(1),
            MaxReceiveMessageSize = 16 * 1024 * 1024,
            MaxSendMessageSize = 64 * 1024 * 1024,
        });
    }
}
