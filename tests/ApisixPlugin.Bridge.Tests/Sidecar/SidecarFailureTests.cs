using System.Diagnostics;
using System.Net.Sockets;
using ApisixPlugin.Bridge;
using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Logging;
using ApisixPlugin.GoPlugin.NetRpc;

namespace ApisixPlugin.Bridge.Tests.Sidecar;

/// <summary>A missing or silent sidecar fails each call fast with an RpcError that says so.</summary>
public sealed class SidecarFailureTests
{
    private static readonly GobValue SetWeightArgument = GobValue.OfInterface("SetWeightAndVerifyWeightArgs",
        GobValue.OfStruct("SetWeightAndVerifyWeightArgs", new() { ["DesiredWeight"] = GobValue.OfInt(20) }));

    private static async Task<(NetRpcReply Reply, TimeSpan Took, string Body)> CallAsync(string socket, string method, double timeoutSeconds)
    {
        var options = new BridgeOptions { SidecarSocket = socket, CallTimeout = TimeSpan.FromSeconds(timeoutSeconds) };
        using var channel = BridgeServices.CreateSidecarChannel(options);
        var service = BridgeServices.CreatePluginService(channel, options, NullPluginLog.Instance);
        var started = Stopwatch.StartNew();
        var reply = await service.InvokeAsync(method, SetWeightArgument, CancellationToken.None);
        var took = started.Elapsed;
        var encoder = new GobReplyEncoder();
        var body = GobReplyEncoder.Encode(w => reply.WriteBody(encoder, w));
        var decoded = new GobStreamDecoder(new MemoryStream(body)).DecodeNext()!;
        return (reply, took, decoded.Field("ErrorString")?.AsString() ?? decoded.Path("Err", "ErrorString")?.AsString() ?? "");
    }

    [Fact]
    public async Task No_sidecar_socket_is_an_Unavailable_RpcError_at_once()
    {
        var (reply, took, text) = await CallAsync($"/tmp/missing-{Guid.NewGuid():N}.sock", "Plugin.SetWeight", 5);
        Assert.Equal("", reply.Error); // a normal reply: argo reads the RpcError
        Assert.Contains("Plugin.SetWeight: apisix sidecar at /tmp/missing-", text, StringComparison.Ordinal);
        Assert.Contains("(Unavailable)", text, StringComparison.Ordinal);
        Assert.True(took < TimeSpan.FromSeconds(4), $"took {took}");
    }

    [Fact]
    public async Task A_sidecar_that_never_answers_hits_the_deadline()
    {
        var path = Path.Combine(Path.GetTempPath(), $"silent-{Guid.NewGuid():N}.sock");
        using var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        silent.Bind(new UnixDomainSocketEndPoint(path));
        silent.Listen(8); // accepts connections in the backlog, never speaks HTTP/2
        try
        {
            var (_, took, text) = await CallAsync(path, "Plugin.VerifyWeight", 1);
            Assert.Contains("did not answer within 1s (DeadlineExceeded)", text, StringComparison.Ordinal);
            Assert.InRange(took, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Type_failure_goes_into_the_response_error()
    {
        var (reply, _, _) = await CallAsync($"/tmp/missing-{Guid.NewGuid():N}.sock", "Plugin.Type", 5);
        Assert.Contains("Plugin.Type: apisix sidecar", reply.Error, StringComparison.Ordinal);
    }
}
