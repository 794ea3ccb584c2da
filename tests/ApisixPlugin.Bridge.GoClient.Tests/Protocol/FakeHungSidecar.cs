using System.Net.Sockets;

namespace ApisixPlugin.Bridge.GoClient.Tests.Protocol;

/// <summary>
/// A test double for a sidecar that is up but stuck: it accepts connections on a Unix socket and
/// never answers (no HTTP/2 settings, no response). A real stuck sidecar cannot be had on demand.
/// </summary>
internal sealed class FakeHungSidecar : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _accepted = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    public FakeHungSidecar(string path)
    {
        SocketPath = path;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(16);
        _acceptLoop = AcceptAsync();
    }

    public string SocketPath { get; }

    public int Connections
    {
        get
        {
            lock (_accepted)
            {
                return _accepted.Count;
            }
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _listener.AcceptAsync(_stop.Token);
                lock (_accepted)
                {
                    _accepted.Add(socket);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _acceptLoop;
        lock (_accepted)
        {
            _accepted.ForEach(s => s.Dispose());
        }
        _listener.Dispose();
        File.Delete(SocketPath);
        _stop.Dispose();
    }
}
