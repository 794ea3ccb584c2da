using System.Net.Sockets;

namespace ApisixPlugin.GoPlugin.Tests.Support;

/// <summary>Two connected ends of a real Unix domain socket.</summary>
internal sealed class SocketPair : IDisposable
{
    private readonly string _path;

    private SocketPair(string path, NetworkStream server, NetworkStream client)
    {
        _path = path;
        Server = server;
        Client = client;
    }

    public NetworkStream Server { get; }
    public NetworkStream Client { get; }

    public static async Task<SocketPair> CreateAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gp-test-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path));
        var server = await accept;
        return new SocketPair(path, new NetworkStream(server, ownsSocket: true), new NetworkStream(client, ownsSocket: true));
    }

    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
        File.Delete(_path);
    }
}
