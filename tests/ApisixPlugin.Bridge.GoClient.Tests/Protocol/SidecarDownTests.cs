using System.Text.Json.Nodes;
using ApisixPlugin.Bridge.GoClient.Tests.Support;

namespace ApisixPlugin.Bridge.GoClient.Tests.Protocol;

/// <summary>The sidecar absent or stuck: every call fails fast with an RpcError that says so, never a hang.</summary>
[Collection(PeerCollection.Name)]
public sealed class SidecarDownTests(PeerBinaries peers) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bridge-sidecar-").FullName;

    private static JsonObject WeightCalls() => new()
    {
        ["calls"] = new JsonArray(
            new JsonObject { ["method"] = "SetWeight", ["desiredWeight"] = 20 },
            new JsonObject { ["method"] = "VerifyWeight", ["desiredWeight"] = 20 },
            new JsonObject { ["method"] = "RemoveManagedRoutes" }),
    };

    [Fact]
    public async Task With_no_sidecar_socket_each_call_returns_an_RpcError_naming_the_sidecar_at_once()
    {
        var absent = Path.Combine(_dir, "absent.sock");

        var run = await ControllerRun.StartAsync(peers.Go, peers.Bridge, ["-call-timeout", "20s"], ["--socket", absent, "--call-timeout", "10"], WeightCalls());

        Assert.Equal(3, run.Calls.Count);
        foreach (var call in run.Calls)
        {
            // An RpcError in the reply (what argo-rollouts logs and retries), not a broken net/rpc call.
            Assert.Equal("", call.CallError);
            Assert.Contains("sidecar", call.Error, StringComparison.OrdinalIgnoreCase);
            Assert.Contains(absent, call.Error, StringComparison.Ordinal);
            Assert.True(call.ElapsedUs < 2_000_000, $"{call.Method} took {call.ElapsedUs} µs with no sidecar");
        }
        Assert.Equal(0, run.Call("VerifyWeight").Verified);
        Assert.Equal("", run.Event("ping").GetProperty("error").GetString());
        Assert.Equal("exit status 0", run.Event("kill").GetProperty("exit").GetString());
    }

    [Fact]
    public async Task With_a_sidecar_that_never_answers_each_call_ends_at_the_bridge_deadline_with_an_RpcError()
    {
        await using var hung = new FakeHungSidecar(Path.Combine(_dir, "hung.sock"));

        var run = await ControllerRun.StartAsync(peers.Go, peers.Bridge, ["-call-timeout", "20s"], ["--socket", hung.SocketPath, "--call-timeout", "1"], WeightCalls());

        Assert.True(hung.Connections > 0, "the bridge never connected to the sidecar socket");
        Assert.Equal(3, run.Calls.Count);
        foreach (var call in run.Calls)
        {
            Assert.Equal("", call.CallError);
            Assert.Contains("sidecar", call.Error, StringComparison.OrdinalIgnoreCase);
            Assert.InRange(call.ElapsedUs, 500_000, 5_000_000);
        }
        Assert.Equal("exit status 0", run.Event("kill").GetProperty("exit").GetString());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
