using System.Net;
using System.Net.Sockets;

namespace ApisixPlugin.Testing.Faults;

/// <summary>
/// A TCP relay on loopback in front of the fault proxy. <see cref="FreezeLiveConnections"/> makes
/// every connection open now go silent in both directions, as a lost node or a load balancer that
/// forgot the flow does: no RST, no FIN, no byte, HTTP/2 pings unanswered. Connections opened
/// afterwards are relayed normally, so a client that gives up on the dead one recovers.
/// </summary>
public sealed class FreezableRelay : IDisposable
{
    private readonly TcpListener _listener;
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Link> _links = [];

    private FreezableRelay(TcpListener listener, int target)
    {
        _listener = listener;
        _target = target;
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far.</summary>
    public int Accepted
    {
        get
        {
            lock (_links)
            {
                return _links.Count;
            }
        }
    }

    public static FreezableRelay Start(int targetPort)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var relay = new FreezableRelay(listener, targetPort);
        _ = relay.AcceptAsync();
        return relay;
    }

    /// <summary>Every connection open now stops relaying for good; returns how many went silent.</summary>
    public int FreezeLiveConnections()
    {
        lock (_links)
        {
            foreach (var link in _links)
            {
                link.Frozen = true;
            }

            return _links.Count(l => !l.Closed);
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            var link = new Link(client, server);
            lock (_links)
            {
                _links.Add(link);
            }

            _ = link.RunAsync(_stop.Token);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_links)
        {
            foreach (var link in _links)
            {
                link.Dispose();
            }
        }

        _stop.Dispose();
    }

    private sealed class Link(Socket client, Socket server) : IDisposable
    {
        public volatile bool Frozen;

        public volatile bool Closed;

        public async Task RunAsync(CancellationToken stop)
        {
            await Task.WhenAny(PumpAsync(client, server, stop), PumpAsync(server, client, stop));
            if (!Frozen)
            {
                Dispose();
            }
        }

        /// <summary>Copies until either side closes; once frozen, bytes read are dropped and nothing more is sent.</summary>
        private async Task PumpAsync(Socket from, Socket to, CancellationToken stop)
        {
            var buffer = new byte[16384];
            try
            {
                while (true)
                {
                    var n = await from.ReceiveAsync(buffer, SocketFlags.None, stop);
                    if (n == 0)
                    {
                        return;
                    }

                    if (!Frozen)
                    {
                        await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, stop);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The other direction or the test ended it.
            }
        }

        public void Dispose()
        {
            Closed = true;
            client.Dispose();
            server.Dispose();
        }
    }
}
