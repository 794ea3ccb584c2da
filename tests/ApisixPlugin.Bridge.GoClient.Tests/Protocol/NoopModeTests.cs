using System.Text.Json.Nodes;
using ApisixPlugin.Bridge.GoClient.Tests.Support;

namespace ApisixPlugin.Bridge.GoClient.Tests.Protocol;

/// <summary>
/// --noop answers every Plugin call without the sidecar: the whole net/rpc path (yamux, gob decode of
/// full Rollouts, reply encodings the Go client must accept) with nothing else in the way.
/// </summary>
[Collection(PeerCollection.Name)]
public sealed class NoopModeTests(PeerBinaries peers)
{
    [Fact]
    public async Task All_eight_methods_with_full_Rollouts_get_replies_the_go_client_decodes()
    {
        var run = await ControllerRun.StartAsync(peers.Go, peers.Bridge, [], ["--noop"]);

        Assert.Equal(0, run.Process.ExitCode);
        Assert.Equal(
            ["InitPlugin", "Type", "UpdateHash", "SetWeight", "VerifyWeight", "SetHeaderRoute", "SetMirrorRoute", "RemoveManagedRoutes"],
            run.Calls.Select(c => c.Method));
        Assert.All(run.Calls, c => Assert.Equal("", c.CallError));
        Assert.All(run.Calls, c => Assert.Equal("", c.Error));
        Assert.Equal(1, run.Call("VerifyWeight").Verified);
        Assert.False(string.IsNullOrEmpty(run.Call("Type").Type));
    }

    [Fact]
    public async Task Fifty_concurrent_calls_of_mixed_methods_on_one_stream_each_get_their_own_reply()
    {
        var run = await ControllerRun.StartAsync(peers.Go, peers.Bridge, ["-concurrent", "50"], ["--noop"]);

        var summary = run.Event("concurrent");
        Assert.Equal(50, summary.GetProperty("calls").GetInt32());
        Assert.Equal(0, summary.GetProperty("callErrors").GetInt32());
        Assert.Equal(Enumerable.Range(0, 50), run.Calls.Select(c => c.Index).Order());
        // SetWeight/UpdateHash expect RpcError, VerifyWeight a VerifyWeightResponse, Type a string:
        // a reply sent to the wrong Seq would not decode and show as a call error above.
        Assert.All(run.Calls.Where(c => c.Method == "VerifyWeight"), c => Assert.Equal(1, c.Verified));
        Assert.All(run.Calls.Where(c => c.Method == "Type"), c => Assert.Equal(run.Calls.First(t => t.Method == "Type").Type, c.Type));
        Assert.Equal("", run.Event("ping").GetProperty("error").GetString());
    }

    [Fact]
    public async Task An_argument_larger_than_the_256_KiB_yamux_window_arrives_and_is_answered()
    {
        var run = await ControllerRun.StartAsync(peers.Go, peers.Bridge, ["-big", "-big-bytes", "400000"], ["--noop"],
            new JsonObject { ["calls"] = new JsonArray(
                new JsonObject { ["method"] = "SetWeight", ["desiredWeight"] = 20 },
                new JsonObject { ["method"] = "VerifyWeight", ["desiredWeight"] = 20 },
                new JsonObject { ["method"] = "SetWeight", ["desiredWeight"] = 40 }) });

        Assert.Equal(3, run.Calls.Count);
        Assert.All(run.Calls, c => Assert.Equal("", c.CallError));
        Assert.Equal(1, run.Call("VerifyWeight").Verified);
    }

    [Fact]
    public async Task Ten_concurrent_arguments_over_the_window_are_all_answered()
    {
        var run = await ControllerRun.StartAsync(peers.Go, peers.Bridge, ["-big", "-concurrent", "10"], ["--noop"]);

        Assert.Equal(0, run.Event("concurrent").GetProperty("callErrors").GetInt32());
        Assert.Equal(10, run.Calls.Count);
    }

    [Fact]
    public async Task A_method_newer_than_the_eight_leaves_the_stream_usable_for_the_next_calls()
    {
        // argo-rollouts' main branch adds Plugin.GetWeightUpdateDeadline and ClearWeightUpdateDeadline.
        var run = await ControllerRun.StartAsync(peers.Go, peers.Bridge, [], ["--noop"],
            new JsonObject { ["calls"] = new JsonArray(
                new JsonObject { ["method"] = "GetWeightUpdateDeadline" },
                new JsonObject { ["method"] = "ClearWeightUpdateDeadline" },
                new JsonObject { ["method"] = "VerifyWeight", ["desiredWeight"] = 10 },
                new JsonObject { ["method"] = "Type" }) });

        foreach (var newer in run.Calls.Take(2))
        {
            // Either answered, or refused by net/rpc naming the method; never a reply the client cannot decode.
            Assert.True(newer.CallError == "" || newer.CallError.Contains(newer.Method, StringComparison.Ordinal), $"{newer.Method}: {newer.CallError}");
        }
        Assert.Equal("", run.Call("VerifyWeight").CallError);
        Assert.Equal(1, run.Call("VerifyWeight").Verified);
        Assert.Equal("", run.Call("Type").CallError);
    }
}
