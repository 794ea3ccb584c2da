using System.Text.Json.Nodes;
using ApisixPlugin.Bridge.GoClient.Tests.Support;
using ApisixPlugin.Testing.Cluster;
using ApisixPlugin.Testing.Sidecar;
using static ApisixPlugin.Bridge.GoClient.Tests.FullPath.ControllerReconciles;
using static ApisixPlugin.Bridge.GoClient.Tests.FullPath.HeaderRouteWorld;
using static ApisixPlugin.Bridge.GoClient.Tests.FullPath.RouteScenario;

namespace ApisixPlugin.Bridge.GoClient.Tests.FullPath;

/// <summary>
/// Issue 13: the header route sequences that broke in other traffic routers, each made of the
/// calls the Argo Rollouts controller makes (<see cref="ControllerReconciles"/>) through the Go
/// go-plugin client, the published bridge and the real sidecar, against the real kube-apiserver
/// with the CRD of APISIX_CRD (tests/run-all.sh runs this class under v2 and v1.8.4). The
/// gatewayapi plugin's reports they follow: #215 (a second header step with the same header name
/// replaced the first), #147 (RemoveManagedRoutes while the canary had no available replicas
/// removed the route the step had made), #151 (rules duplicated after several deployments), #115
/// and #159 (SetWeight 0 turned the header route's canary weight to 0).
/// </summary>
[Collection(FullPathCollection.Name)]
public sealed class HeaderRouteProofTests(FullPathFixture fx, PeerBinaries peers)
{
    private const string A = "canary-a";
    private const string B = "canary-b";
    private const string H0 = "5c4b3a291";

    /// <summary>The steps' setHeaderRoute arguments: X-Canary "a" to canary-a, "b" to canary-b, and canary-a's removal (no match).</summary>
    private static readonly JsonObject StepA = SetHeaderRoute(A, "a"), StepB = SetHeaderRoute(B, "b"), RemoveA = SetHeaderRoute(A, null);

    /// <summary>A Rollout listing canary-a and canary-b through setWeight 20 and setHeaderRoute canary-a, and that route.</summary>
    private async Task<(HeaderRouteWorld World, JsonObject Rollout, JsonObject RouteA)> AtStepAAsync(string prefix)
    {
        var world = await HeaderRouteWorld.CreateAsync(fx, peers, prefix);
        var rollout = RolloutListing(world.Namespace, A, B);
        await world.RunAsync(rollout, AtWeightStep(20, "h1", H0), AtHeaderStep(StepA, 20, "h1", H0));
        return (world, rollout, (await world.AssertRoutesAsync(rollout, 20, (A, "a")))[A]);
    }

    [Fact]
    public async Task Two_setHeaderRoute_steps_with_one_header_name_and_different_values_both_route()
    {
        // steps: setWeight 20, setHeaderRoute canary-a (X-Canary: a), setHeaderRoute canary-b (X-Canary: b), pause, setWeight 50
        var world = await HeaderRouteWorld.CreateAsync(fx, peers, "two-values");
        var rollout = RolloutListing(world.Namespace, A, B);

        // Each step's reconcile twice, as the controller repeats a reconcile that requeues.
        await world.RunAsync(rollout,
            AtWeightStep(20, "h1", H0),
            AtHeaderStep(StepA, 20, "h1", H0), AtHeaderStep(StepA, 20, "h1", H0),
            AtHeaderStep(StepB, 20, "h1", H0), AtHeaderStep(StepB, 20, "h1", H0),
            AtWeightStep(20, "h1", H0), AtWeightStep(50, "h1", H0));

        var managed = await world.AssertRoutesAsync(rollout, 50, (A, "a"), (B, "b"));
        // Written once each: canary-b's step, the repeats and the weight steps rewrote neither.
        Assert.Equal(1, Generation(managed[A]));
        Assert.Equal(1, Generation(managed[B]));
        // The source was written twice, by the two weights, never by a header step.
        Assert.Equal(3, Generation(await fx.ApisixRoutes.GetAsync(world.Namespace, RouteScenario.Route)));

        // The end of the steps, then full promotion: only the source is left, all to stable.
        await world.RunAsync(rollout, AtWeightStep(100, "h1", H0), FullyPromoted("h1"));
        await world.AssertRoutesAsync(rollout, 0);
    }

    [Fact]
    public async Task A_header_route_survives_a_sidecar_restart_and_the_next_steps_work_through_the_same_and_a_new_bridge()
    {
        var world = await HeaderRouteWorld.CreateAsync(fx, peers, "sidecar-restart");
        world.Socket = fx.FreshSocketPath();
        var kubeconfig = fx.KubeconfigFor(KubeUsers.Plugin);
        var sidecar = await SidecarHost.StartAsync(world.Socket, kubeconfig);
        try
        {
            var rollout = RolloutListing(world.Namespace, A, B);
            JsonObject[][] upToTheRestart = [AtWeightStep(10, "h1", H0), AtHeaderStep(StepA, 10, "h1", H0)];
            var resume = Path.Combine(Path.GetDirectoryName(world.Socket)!, $"resume-{Guid.NewGuid():N}");
            var scenario = Reconciles(rollout, [
                .. upToTheRestart,
                [new JsonObject { ["method"] = "WaitForFile", ["path"] = resume, ["timeoutMs"] = 60_000 }],
                AtHeaderStep(StepA, 10, "h1", H0), AtHeaderStep(StepB, 10, "h1", H0), AtWeightStep(30, "h1", H0)]);

            JsonObject? beforeRestart = null;
            var lastCallBefore = upToTheRestart.Sum(r => r.Length) - 1;
            var run = await ControllerRun.RunPausingAsync(peers.Go, peers.Bridge, world.PluginArgs, scenario, lastCallBefore, resume, async () =>
            {
                beforeRestart = await world.TryGetAsync(A);
                await sidecar.DisposeAsync(); // SIGKILL, and the socket file goes
                sidecar = await SidecarHost.StartAsync(world.Socket, kubeconfig);
            });

            Succeeded(run);
            Assert.NotNull(beforeRestart);
            var managed = await world.AssertRoutesAsync(rollout, 30, (A, "a"), (B, "b"));
            // The step's retry after the restart found the route as it wants it and wrote nothing.
            Assert.Equal(Uid(beforeRestart), Uid(managed[A]));
            Assert.Equal(ResourceVersion(beforeRestart), ResourceVersion(managed[A]));

            // A new bridge (the controller restarted too) on the restarted sidecar: the step's retry, then promotion.
            var rv = ResourceVersion(managed[B]);
            await world.RunAsync(rollout, AtHeaderStep(StepB, 30, "h1", H0));
            Assert.Equal(rv, ResourceVersion((await world.AssertRoutesAsync(rollout, 30, (A, "a"), (B, "b")))[B]));
            await world.RunAsync(rollout, AtWeightStep(100, "h1", H0), FullyPromoted("h1"));
            await world.AssertRoutesAsync(rollout, 0);
        }
        finally
        {
            await sidecar.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_header_route_survives_a_bridge_restart_and_the_same_Rollout_goes_on_in_the_new_one()
    {
        var (world, rollout, first) = await AtStepAAsync("bridge-restart");

        // The controller restarted in the middle of the step: the new bridge gets the step again, then the next one.
        await world.RunAsync(rollout, AtHeaderStep(StepA, 20, "h1", H0), AtHeaderStep(StepB, 20, "h1", H0));
        var managed = await world.AssertRoutesAsync(rollout, 20, (A, "a"), (B, "b"));
        Assert.Equal(ResourceVersion(first), ResourceVersion(managed[A]));

        // And again, at an abort: the first aborted reconcile still re-sends the step it was at, the next does not.
        await world.RunAsync(rollout, Aborted(StepB, "h1", H0));
        await world.AssertRoutesAsync(rollout, 0, (B, "b"));
        await world.RunAsync(rollout, Aborted(null, "h1", H0));
        await world.AssertRoutesAsync(rollout, 0);
    }

    [Fact]
    public async Task RemoveManagedRoutes_while_the_canary_has_no_available_replicas_then_the_steps_retry_leaves_the_routes_the_step_wants()
    {
        // steps: setHeaderRoute canary-a (no canary scale step before it, so the canary has no pods yet), setWeight 20, setHeaderRoute canary-b, pause
        var world = await HeaderRouteWorld.CreateAsync(fx, peers, "unavailable");
        var rollout = RolloutListing(world.Namespace, A, B);

        // While the canary has no available replicas every reconcile removes the managed routes and re-sends the step.
        await world.RunAsync(rollout, CanaryUnavailable(StepA, 0, "h1", H0), CanaryUnavailable(StepA, 0, "h1", H0), CanaryUnavailable(StepA, 0, "h1", H0));
        var made = (await world.AssertRoutesAsync(rollout, 0, (A, "a")))[A];
        await world.RunAsync(rollout, CanaryUnavailable(StepA, 0, "h1", H0));
        var remade = (await world.AssertRoutesAsync(rollout, 0, (A, "a")))[A];
        Assert.NotEqual(Uid(made), Uid(remade)); // RemoveManagedRoutes did delete it and the retry made it again

        // The canary is up: the step's reconcile keeps the route; weight 0 on the source leaves its canary at 100.
        await world.RunAsync(rollout, AtHeaderStep(StepA, 0, "h1", H0), AtHeaderStep(StepA, 0, "h1", H0));
        Assert.Equal(ResourceVersion(remade), ResourceVersion((await world.AssertRoutesAsync(rollout, 0, (A, "a")))[A]));
        await world.RunAsync(rollout, AtWeightStep(20, "h1", H0), AtHeaderStep(StepB, 20, "h1", H0));
        await world.AssertRoutesAsync(rollout, 20, (A, "a"), (B, "b"));

        // The canary's pods are gone at the second header step (status weight 20): both routes are removed,
        // and only the current step comes back (the controller does not re-send earlier steps).
        await world.RunAsync(rollout, CanaryUnavailable(StepB, 20, "h1", H0));
        await world.AssertRoutesAsync(rollout, 0, (B, "b"));
        await world.RunAsync(rollout, CanaryUnavailable(StepB, 0, "h1", H0), CanaryUnavailable(StepB, 0, "h1", H0));
        await world.AssertRoutesAsync(rollout, 0, (B, "b"));
        await world.RunAsync(rollout, AtHeaderStep(StepB, 20, "h1", H0));
        await world.AssertRoutesAsync(rollout, 20, (B, "b"));
    }

    [Fact]
    public async Task A_header_route_a_finalizer_keeps_after_RemoveManagedRoutes_is_not_taken_for_the_one_the_steps_retry_wants()
    {
        var world = await HeaderRouteWorld.CreateAsync(fx, peers, "terminating");
        var rollout = RolloutListing(world.Namespace, A);
        await world.RunAsync(rollout, CanaryUnavailable(StepA, 0, "h1", H0));
        var held = (await world.AssertRoutesAsync(rollout, 0, (A, "a")))[A];

        // Something holds the route with a finalizer (a policy engine, someone's foreground delete):
        // RemoveManagedRoutes leaves it terminating, and it goes only when the finalizer is released.
        await fx.ApisixRoutes.JsonPatchAsync(world.Namespace, A, new JsonArray(
            new JsonObject { ["op"] = "add", ["path"] = "/metadata/finalizers", ["value"] = new JsonArray("example.com/hold") }));
        var run = await ControllerRun.StartAsync(peers.Go, peers.Bridge, [], world.PluginArgs,
            Reconciles(rollout, [Call("RemoveManagedRoutes"), StepA])); // the controller's reconcile stops at an error
        Assert.Equal("", run.Call("RemoveManagedRoutes").Error);
        var terminating = await world.TryGetAsync(A);
        Assert.NotNull(terminating?["metadata"]?["deletionTimestamp"]);

        // Reporting the step done would lose the header route the moment the finalizer goes: the step fails, so the controller retries it.
        var step = run.Call("SetHeaderRoute");
        Assert.Equal("", step.CallError);
        Assert.Contains($"{world.Namespace}/{A}", step.Error, StringComparison.Ordinal);
        Assert.Contains("being deleted", step.Error, StringComparison.Ordinal);

        await fx.ApisixRoutes.JsonPatchAsync(world.Namespace, A, new JsonArray(new JsonObject { ["op"] = "remove", ["path"] = "/metadata/finalizers" }));
        Assert.Null(await world.TryGetAsync(A));
        await world.RunAsync(rollout, CanaryUnavailable(StepA, 0, "h1", H0));
        Assert.NotEqual(Uid(held), Uid((await world.AssertRoutesAsync(rollout, 0, (A, "a")))[A]));
    }

    [Fact]
    public async Task Rapid_consecutive_rollouts_never_leave_duplicate_or_orphan_managed_routes()
    {
        // steps: setWeight 20, setHeaderRoute canary-a, setHeaderRoute canary-b, pause, setWeight 50, setHeaderRoute canary-a (no match: removes it), pause
        var world = await HeaderRouteWorld.CreateAsync(fx, peers, "rapid");
        var rollout = RolloutListing(world.Namespace, A, B);

        async Task UpToBothHeaderStepsAsync(JsonObject ro, string canary, string stable)
        {
            // A new revision: its ReplicaSet has no available replica at first, and the step index is back at 0.
            await world.RunAsync(ro, CanaryUnavailable(null, 0, canary, stable), CanaryUnavailable(null, 0, canary, stable));
            await world.AssertRoutesAsync(ro, 0);
            await world.RunAsync(ro, AtWeightStep(20, canary, stable), AtHeaderStep(StepA, 20, canary, stable));
            await world.AssertRoutesAsync(ro, 20, (A, "a"));
            await world.RunAsync(ro, AtHeaderStep(StepB, 20, canary, stable), AtWeightStep(20, canary, stable));
            await world.AssertRoutesAsync(ro, 20, (A, "a"), (B, "b"));
        }

        async Task ToTheEndAsync(JsonObject ro, string canary, string stable)
        {
            await world.RunAsync(ro, AtWeightStep(50, canary, stable), AtHeaderStep(RemoveA, 50, canary, stable), AtHeaderStep(RemoveA, 50, canary, stable));
            await world.AssertRoutesAsync(ro, 50, (B, "b"));
            await world.RunAsync(ro, AtWeightStep(100, canary, stable), FullyPromoted(canary));
            await world.AssertRoutesAsync(ro, 0);
        }

        // 1: to full promotion.
        await UpToBothHeaderStepsAsync(rollout, "h1", H0);
        await ToTheEndAsync(rollout, "h1", H0);

        // 2: aborted at the second header step.
        await UpToBothHeaderStepsAsync(rollout, "h2", "h1");
        await world.RunAsync(rollout, Aborted(StepB, "h2", "h1"), Aborted(null, "h2", "h1"));
        await world.AssertRoutesAsync(rollout, 0);

        // 3 and 4: a new revision while 3 is at its header steps; 4 goes to the end.
        await UpToBothHeaderStepsAsync(rollout, "h3", "h1");
        await world.RunAsync(rollout, CanaryUnavailable(null, 20, "h4", "h1"));
        await world.AssertRoutesAsync(rollout, 0);
        await UpToBothHeaderStepsAsync(rollout, "h4", "h1");
        await ToTheEndAsync(rollout, "h4", "h1");

        // 5, then the Rollout is deleted mid-canary: its managed routes are its dependents, the source is not.
        await UpToBothHeaderStepsAsync(rollout, "h5", "h4");
        Assert.Equal([A, B], await world.CollectGarbageOfAsync(rollout["uid"]!.GetValue<string>()));

        // Made again under the same name (a new uid): installed at once (no steps), then its own rollouts.
        var again = Recreated(rollout);
        await world.RunAsync(again, FullyPromoted("h5"));
        await world.AssertRoutesAsync(again, 0);
        await UpToBothHeaderStepsAsync(again, "h6", "h5");
        await ToTheEndAsync(again, "h6", "h5");
        await UpToBothHeaderStepsAsync(again, "h7", "h6");
        await world.RunAsync(again, Aborted(null, "h7", "h6"));
        await world.AssertRoutesAsync(again, 0);

        // 8: `promote --full` at the second header step; the status keeps canary weight 20 until the promotion is through.
        await UpToBothHeaderStepsAsync(again, "h8", "h6");
        await world.RunAsync(again, PromotedFull(StepB, 20, "h8", "h6"));
        await world.AssertRoutesAsync(again, 20, (B, "b"));
        await world.RunAsync(again, PromotedFull(null, 20, "h8", "h6"));
        await world.AssertRoutesAsync(again, 20);
        await world.RunAsync(again, FullyPromoted("h8"));
        await world.AssertRoutesAsync(again, 0);
    }

    [Fact]
    public async Task A_Rollout_made_again_under_the_same_name_never_takes_over_the_routes_an_orphaning_delete_left()
    {
        var (world, rollout, left) = await AtStepAAsync("orphaned");

        // kubectl delete --cascade=orphan: no garbage collection. The new Rollout's install and its RemoveManagedRoutes leave it.
        var again = Recreated(rollout);
        await world.RunAsync(again, FullyPromoted(H0));
        Assert.Equal(ResourceVersion(left), ResourceVersion((await world.AssertRoutesAsync(rollout, 0, (A, "a")))[A]));

        // Its header step fails naming the route, which stays byte for byte.
        var run = await ControllerRun.StartAsync(peers.Go, peers.Bridge, [], world.PluginArgs,
            Reconciles(again, [StepA])); // the controller's reconcile stops at the error
        var call = run.Call("SetHeaderRoute");
        Assert.Equal("", call.CallError);
        Assert.Contains($"{world.Namespace}/{A}", call.Error, StringComparison.Ordinal);
        Assert.Contains("not owned", call.Error, StringComparison.Ordinal);
        Assert.Equal(ResourceVersion(left), ResourceVersion((await world.TryGetAsync(A))!));
    }
}
