using System.Net.Sockets;
using ApisixPlugin.GoPlugin.Plugin;

namespace ApisixPlugin.GoPlugin.Tests.Plugin;

/// <summary>In a root with no folder for a Unix socket, the plugin falls back to loopback TCP in the host's port range.</summary>
public sealed class GoPluginServerTcpFallbackTests
{
    [Fact]
    public async Task A_missing_socket_folder_gives_a_tcp_handshake_on_loopback_that_accepts()
    {
        using var server = GoPluginServer.Listen("/nonexistent-" + Guid.NewGuid().ToString("N"));

        Assert.Equal("tcp", server.Network);
        Assert.StartsWith("127.0.0.1:", server.Address, StringComparison.Ordinal);
        var port = int.Parse(server.Address["127.0.0.1:".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(port, 10000, 25000);
        Assert.Equal($"1|1|tcp|127.0.0.1:{port}|netrpc\n", server.HandshakeLine);

        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        Assert.True(client.Connected);
    }
}
