using ApisixPlugin.Bridge;
using ApisixPlugin.Bridge.Tests.Support;
using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Logging;
using ApisixPlugin.GoPlugin.NetRpc;
using ApisixPlugin.Protos.V1;
using Grpc.Core;

namespace ApisixPlugin.Bridge.Tests.Sidecar;

/// <summary>Plugin calls through the gRPC client to a sidecar that comes, fails and goes.</summary>
public sealed class SidecarCallTests : IDisposable
{
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"sidecar-{Guid.NewGuid():N}.sock");
    private readonly Grpc.Net.Client.GrpcChannel _channel;
    private readonly INetRpcService _service;

    public SidecarCallTests()
    {
        var options = new BridgeOptions { SidecarSocket = _socket, CallTimeout = TimeSpan.FromSeconds(3), PluginName = "apisixplugin/apisix" };
        _channel = BridgeServices.CreateSidecarChannel(options);
        _service = BridgeServices.CreatePluginService(_channel, options, NullPluginLog.Instance);
    }

    public void Dispose()
    {
        _channel.Dispose();
        File.Delete(_socket);
    }

    private static GobValue Args(int desiredWeight) => GobValue.OfInterface("SetWeightAndVerifyWeightArgs", GobValue.OfStruct("SetWeightAndVerifyWeightArgs", new()
    {
        ["DesiredWeight"] = GobValue.OfInt(desiredWeight),
        ["Rollout"] = GobValue.OfStruct("Rollout", new()
        {
            ["ObjectMeta"] = GobValue.OfStruct("ObjectMeta", new() { ["Name"] = GobValue.OfString("web"), ["Namespace"] = GobValue.OfString("shop") }),
        }),
    }));

    private async Task<GobValue> CallAsync(string method, int weight = 20)
    {
        var reply = await _service.InvokeAsync(method, Args(weight), CancellationToken.None);
        var encoder = new GobReplyEncoder();
        return new GobStreamDecoder(new MemoryStream(GobReplyEncoder.Encode(w => reply.WriteBody(encoder, w)))).DecodeNext()!;
    }

    private static string ErrorText(GobValue body) => body.Field("ErrorString")?.AsString() ?? body.Path("Err", "ErrorString")?.AsString() ?? "";

    /// <summary>Calls until one succeeds (the channel may still be backing off), within a few seconds.</summary>
    private async Task<GobValue> CallUntilSuccessAsync(string method, int weight)
    {
        var deadline = DateTime.UtcNow.AddSeconds(8);
        while (true)
        {
            var body = await CallAsync(method, weight);
            if (ErrorText(body).Length == 0 || DateTime.UtcNow > deadline)
            {
                return body;
            }
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task No_socket_file_is_reported_as_what_to_check_not_as_the_transports_words()
    {
        var text = ErrorText(await CallAsync("Plugin.SetWeight"));

        Assert.Equal($"Plugin.SetWeight: apisix sidecar at {_socket} is unavailable (Unavailable): no socket file there; "
            + "check that the apisix-plugin sidecar container is running and mounts the socket's volume", text);
    }

    [Fact]
    public async Task A_socket_file_nobody_listens_on_says_the_sidecar_is_not_accepting()
    {
        // What a killed sidecar leaves behind: the file, bound, with no listener (kept bound here
        // because .NET removes the file when the socket is disposed).
        using var stale = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        stale.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(_socket));

        var text = ErrorText(await CallAsync("Plugin.SetWeight"));

        Assert.Equal($"Plugin.SetWeight: apisix sidecar at {_socket} is unavailable (Unavailable): the socket file exists but nothing accepts "
            + "connections on it; the sidecar is starting, restarting or has stopped (see its log)", text);
    }

    [Fact]
    public async Task Down_then_up_then_down_then_up_again_reconnects_by_itself()
    {
        Assert.Contains("(Unavailable)", ErrorText(await CallAsync("Plugin.SetWeight")), StringComparison.Ordinal);

        await using (var sidecar = await FakeSidecar.StartAsync(_socket))
        {
            Assert.Equal("", ErrorText(await CallUntilSuccessAsync("Plugin.SetWeight", 20)));
            var request = sidecar.Recorded.Requests.OfType<SetWeightRequest>().Last();
            Assert.Equal((20, "shop", "web", "apisixplugin/apisix"), (request.DesiredWeight, request.Rollout.Namespace, request.Rollout.Name, request.Rollout.PluginName));
        }
        File.Delete(_socket);
        Assert.Contains("Plugin.SetWeight: apisix sidecar at", ErrorText(await CallAsync("Plugin.SetWeight")), StringComparison.Ordinal);

        var recorder = new FakeSidecar.Recorder();
        await using (var again = await FakeSidecar.StartAsync(_socket, recorder))
        {
            Assert.Equal("", ErrorText(await CallUntilSuccessAsync("Plugin.SetWeight", 30)));
            Assert.Equal(30, recorder.Requests.OfType<SetWeightRequest>().Last().DesiredWeight);
        }
    }

    [Theory]
    [InlineData(Verification.NotVerified, 0)]
    [InlineData(Verification.Verified, 1)]
    [InlineData(Verification.NotImplemented, 2)]
    public async Task VerifyWeight_maps_to_0_1_2_with_no_error(Verification verification, long expected)
    {
        await using var sidecar = await FakeSidecar.StartAsync(_socket);
        sidecar.Recorded.Verification = verification;
        var body = await CallUntilSuccessAsync("Plugin.VerifyWeight", 20);
        Assert.Equal(expected, body.Field("Verified")?.AsInt64() ?? 0);
        Assert.Equal("", ErrorText(body));
    }

    [Fact]
    public async Task Not_verified_yet_is_logged_with_the_Rollout_and_the_sidecars_reason_for_the_controllers_log()
    {
        await using var sidecar = await FakeSidecar.StartAsync(_socket);
        sidecar.Recorded.Verification = Verification.NotVerified;
        using var stderr = new MemoryStream();
        var options = new BridgeOptions { SidecarSocket = _socket, CallTimeout = TimeSpan.FromSeconds(3), PluginName = "apisixplugin/apisix" };
        var service = BridgeServices.CreatePluginService(_channel, options, new ApisixPlugin.Bridge.Logging.HclogJsonLog(stderr, PluginLogLevel.Info));

        var reply = await service.InvokeAsync("Plugin.VerifyWeight", Args(20), CancellationToken.None);

        Assert.NotNull(reply);
        var line = System.Text.Json.JsonDocument.Parse(System.Text.Encoding.UTF8.GetString(stderr.ToArray()).Trim()).RootElement;
        Assert.Equal("weight not verified yet", line.GetProperty("@message").GetString());
        Assert.Equal("info", line.GetProperty("@level").GetString());
        Assert.Equal("shop/web", line.GetProperty("rollout").GetString());
        Assert.Equal("rule r1 has 10, wants 20", line.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_gRPC_status_becomes_RpcError_text_with_code_and_message()
    {
        await using var sidecar = await FakeSidecar.StartAsync(_socket);
        sidecar.Recorded.SetWeightFailure = new Status(StatusCode.FailedPrecondition, "ApisixRoute shop/web: rule r1 not found");
        var body = await CallAsync("Plugin.SetWeight");
        for (var i = 0; i < 20 && ErrorText(body).Contains("Unavailable", StringComparison.Ordinal); i++)
        {
            await Task.Delay(200);
            body = await CallAsync("Plugin.SetWeight");
        }
        Assert.Equal("Plugin.SetWeight: FailedPrecondition: ApisixRoute shop/web: rule r1 not found", ErrorText(body));
    }

    /// <summary>
    /// The sidecar answered, and its answer says the API server is at fault: the controller must
    /// read that, not that the sidecar did not answer (the real sidecar marks every failure it
    /// answers with the trailer; a channel that never reached it has none).
    /// </summary>
    [Theory]
    [InlineData(StatusCode.DeadlineExceeded, "route shop/web: the Kubernetes API server did not answer get apisixroutes (no answer within 10 s; 2 attempts in 20.0 s)")]
    [InlineData(StatusCode.Unavailable, "route shop/web: the Kubernetes API server could not patch apisixroutes (HTTP 503; 9 attempts in 19.2 s)")]
    public async Task A_failure_the_sidecar_answered_is_passed_on_with_its_own_message_and_not_blamed_on_the_sidecar(StatusCode code, string detail)
    {
        await using var sidecar = await FakeSidecar.StartAsync(_socket);
        sidecar.Recorded.SetWeightFailure = new Status(code, detail);
        sidecar.Recorded.SetWeightFailureTrailers = [new Metadata.Entry(ApisixPlugin.Contracts.SidecarTrailers.Answered, "true")];

        var body = await CallAsync("Plugin.SetWeight");
        for (var i = 0; i < 20 && ErrorText(body).Contains("apisix sidecar at", StringComparison.Ordinal) && sidecar.Recorded.Requests.IsEmpty; i++)
        {
            await Task.Delay(200);
            body = await CallAsync("Plugin.SetWeight");
        }

        Assert.Equal($"Plugin.SetWeight: {code}: {detail}", ErrorText(body));
    }

    [Fact]
    public async Task Type_comes_from_the_sidecar()
    {
        await using var sidecar = await FakeSidecar.StartAsync(_socket);
        var reply = await _service.InvokeAsync("Plugin.Type", GobValue.OfInterface("", null), CancellationToken.None);
        Assert.Equal("", reply.Error);
        var encoder = new GobReplyEncoder();
        var body = new GobStreamDecoder(new MemoryStream(GobReplyEncoder.Encode(w => reply.WriteBody(encoder, w)))).DecodeNext()!;
        Assert.Equal("Apisix", body.AsString());
    }
}
