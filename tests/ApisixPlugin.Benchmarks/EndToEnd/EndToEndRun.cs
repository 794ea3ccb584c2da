using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Benchmarks.Reporting;
using ApisixPlugin.Benchmarks.Sidecar;
using ApisixPlugin.Benchmarks.Translation;
using ApisixPlugin.Testing;
using ApisixPlugin.Testing.Cluster;
using ApisixPlugin.Testing.Crds;
using k8s;

namespace ApisixPlugin.Benchmarks.EndToEnd;

/// <summary>
/// SetWeight end to end against the real kube-apiserver: the plugin through the real sidecar
/// process over gRPC, and in the same run the built-in router's pattern (GET + full-object PUT)
/// done directly with KubernetesClient. Each on its own route, one call at a time.
/// </summary>
internal static class EndToEndRun
{
    private const string SidecarRoute = "plugin-route";
    private const string BuiltInRoute = "builtin-route";
    private const string SidecarApp = "plugin-app";
    private const string BuiltInApp = "builtin-app";
    private const string DirectRoute = "direct-route";
    private const string DirectApp = "direct-app";
    private const string QuietRoute = "quiet-route";
    private const string QuietApp = "quiet-app";

    public static async Task<int> RunAsync(RunOptions options)
    {
        var calls = options.Quick ? 60 : 400;
        var warmUp = options.Quick ? 10 : 30;
        var fixture = new KubeClusterFixture();
        await fixture.InitializeAsync();
        try
        {
            var ns = await fixture.CreateNamespaceAsync("bench");
            await fixture.GrantAsync(ns, KubeUsers.Plugin, BenchmarkRollouts.PluginPermissions);
            await fixture.GrantAsync(ns, KubeUsers.SomeoneElse, BenchmarkRollouts.BuiltInPermissions);
            await fixture.ApisixRoutes.CreateAsync(ns, BenchmarkRollouts.Route(SidecarRoute, SidecarApp));
            await fixture.ApisixRoutes.CreateAsync(ns, BenchmarkRollouts.Route(BuiltInRoute, BuiltInApp));
            await fixture.ApisixRoutes.CreateAsync(ns, BenchmarkRollouts.Route(DirectRoute, DirectApp));
            await fixture.ApisixRoutes.CreateAsync(ns, BenchmarkRollouts.Route(QuietRoute, QuietApp));

            using var server = new ApiServerRequestCount(fixture.Server);
            await using var sidecar = await SidecarUnderTest.StartAsync(
                options.SidecarDll ?? SidecarUnderTest.DefaultDll, fixture.KubeconfigFor(KubeUsers.Plugin), new Dictionary<string, string>());
            var rollout = BenchmarkRollouts.Rollout(ns, "rollout-e2e", SidecarRoute, SidecarApp);
            await using var quietSidecar = await SidecarUnderTest.StartAsync(
                options.SidecarDll ?? SidecarUnderTest.DefaultDll, fixture.KubeconfigFor(KubeUsers.Plugin), new Dictionary<string, string> { ["APISIX_PLUGIN_EVENTS"] = "off" });
            var quietRollout = BenchmarkRollouts.Rollout(ns, "rollout-quiet", QuietRoute, QuietApp);
            using var builtInClient = fixture.ClientFor(KubeUsers.SomeoneElse);

            async Task<Dictionary<string, double>> SelfCount() =>
                PrometheusText.SumBy(await sidecar.MetricsAsync(), "apisix_plugin_api_requests_total", "verb");

            var wrongWrites = 0;
            async Task PluginSetWeight(int weight, bool expectChange)
            {
                var reply = await sidecar.Client.SetWeightAsync(BenchmarkRollouts.SetWeight(rollout, weight));
                if (reply.RoutesChanged != (expectChange ? 1 : 0))
                {
                    wrongWrites++;
                }
            }

            Task BuiltInSetWeight(int weight) => BuiltInStyleSetWeightAsync(builtInClient, ns, BuiltInRoute, BuiltInApp, weight);

            // The breakdown: the plugin's own patch sent straight from this process (no gRPC, no
            // sidecar, no Event beside it), and the gRPC round trip to the sidecar with no API request.
            using var directClient = fixture.ClientFor(KubeUsers.Plugin);
            var direct = new DirectPatch(directClient, ns, DirectRoute, DirectApp);
            await direct.ReadAsync();

            Func<int, Task>[] changing =
            [
                i => PluginSetWeight(i % 2 == 0 ? 20 : 40, expectChange: true),
                i => BuiltInSetWeight(i % 2 == 0 ? 20 : 40),
                i => direct.SetWeightAsync(i % 2 == 0 ? 20 : 40),
                async _ => await sidecar.Client.TypeAsync(new Protos.V1.TypeRequest()),
                async i => await quietSidecar.Client.SetWeightAsync(BenchmarkRollouts.SetWeight(quietRollout, i % 2 == 0 ? 20 : 40)),
            ];
            Func<int, Task>[] unchanged = [_ => PluginSetWeight(30, expectChange: false), _ => BuiltInSetWeight(30)];

            // Requests are counted loop by loop (the API server's counters cannot tell clients
            // apart); latency is measured afterwards with the paths interleaved.
            var rows = new List<LoopMeasurement>
            {
                await LoopMeasurement.RunAsync("plugin: sidecar over gRPC", "changing", warmUp, calls, server, SelfCount, changing[0]),
                await LoopMeasurement.RunAsync("built-in pattern: GET + PUT", "changing", warmUp, calls, server, null, changing[1]),
                await LoopMeasurement.RunAsync("breakdown: the plugin's JSON Patch sent directly", "changing", warmUp, calls, server, null, changing[2]),
                await LoopMeasurement.RunAsync("breakdown: gRPC round trip to the sidecar (Type)", "-", warmUp, calls, server, null, changing[3]),
                await LoopMeasurement.RunAsync("breakdown: plugin with --events off", "changing", warmUp, calls, server, null, changing[4]),
            };
            var latencies = (await InterleavedLatency.RunAsync(changing, warmUp, calls)).ToList();

            // The routes are at 40 after the changing loops: one unmeasured call moves them to 30.
            await PluginSetWeight(30, expectChange: true);
            await BuiltInSetWeight(30);
            rows.Add(await LoopMeasurement.RunAsync("plugin: sidecar over gRPC", "unchanged", 0, calls, server, SelfCount, unchanged[0]));
            rows.Add(await LoopMeasurement.RunAsync("built-in pattern: GET + PUT", "unchanged", 0, calls, server, null, unchanged[1]));
            latencies.AddRange(await InterleavedLatency.RunAsync(unchanged, warmUp, calls));
            rows = [.. rows.Zip(latencies, (row, latency) => row with { MedianMs = latency.MedianMs, P99Ms = latency.P99Ms })];

            var summary = new SummaryWriter(options.SummaryPath);
            Report(summary, rows, calls, warmUp, fixture.Crd.Release);
            var pluginWeights = await WeightsAsync(fixture, ns, SidecarRoute, SidecarApp);
            var builtInWeights = await WeightsAsync(fixture, ns, BuiltInRoute, BuiltInApp);
            summary.Line($"- Check after the run: plugin route canary/stable = {pluginWeights}, built-in route = {builtInWeights} (both should be 30/70); "
                + $"SetWeight replies with an unexpected routes_changed: {wrongWrites}.");
            summary.Line();
            summary.Flush();
            return pluginWeights == "30/70" && builtInWeights == "30/70" && wrongWrites == 0 ? 0 : 1;
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    /// <summary>argo-rollouts' built-in router per SetWeight: GET the route, set the weights in the tree, PUT the whole object back.</summary>
    private static async Task BuiltInStyleSetWeightAsync(IKubernetes client, string ns, string name, string app, int weight)
    {
        var body = await client.CustomObjects.GetNamespacedCustomObjectAsync(ApisixCrd.Group, ApisixCrd.Version, ns, ApisixCrd.Plural, name);
        var route = JsonNode.Parse(((JsonElement)body).GetRawText())!.AsObject();
        BuiltInStyleTranslation.SetWeights(route, [BenchmarkRollouts.Rule], BenchmarkRollouts.Canary(app), BenchmarkRollouts.Stable(app), weight);
        await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(route, ApisixCrd.Group, ApisixCrd.Version, ns, ApisixCrd.Plural, name);
    }

    private static async Task<string> WeightsAsync(KubeClusterFixture fixture, string ns, string name, string app)
    {
        var route = await fixture.ApisixRoutes.GetAsync(ns, name);
        var backends = route["spec"]!["http"]![0]!["backends"]!.AsArray();
        int Weight(string service) => backends.Single(b => b!["serviceName"]!.GetValue<string>() == service)!["weight"]?.GetValue<int>() ?? 100;
        return $"{Weight(BenchmarkRollouts.Canary(app))}/{Weight(BenchmarkRollouts.Stable(app))}";
    }

    private static void Report(SummaryWriter summary, List<LoopMeasurement> rows, int calls, int warmUp, ApisixCrdRelease crd)
    {
        summary.Line($"## 2. SetWeight end to end (real kube-apiserver v1.20.2, ApisixRoute CRD {crd}; {calls} sequential calls per row after {warmUp} warm-up)");
        summary.Line();
        summary.Line($"Latency: {calls} rounds after {warmUp} warm-up, one call of each path per round, the changing paths interleaved with each other and");
        summary.Line("the unchanged ones with each other, so that a cold start or the machine's drift does not land on one path.");
        summary.Line();
        summary.Line("Requests counted by the API server (apiserver_request_total, resource apisixroutes), per call; the plugin's own");
        summary.Line("count (apisix_plugin_api_requests_total from the sidecar's /metrics) beside it. Latency is the caller's: gRPC");
        summary.Line("round trip to the sidecar for the plugin, the two HTTP requests in-process for the built-in pattern.");
        summary.Line("This v1.20 API server labels a GET of one custom object `LIST` in apiserver_request_total (the sidecar's count says get).");
        summary.Line();
        summary.Line("| path | weight | API server: apisixroutes requests/call by verb | reads/call | writes/call | event POST/call | sidecar self-count/call | median ms | p99 ms |");
        summary.Line("|---|---|---|---:|---:|---:|---|---:|---:|");
        foreach (var row in rows)
        {
            var self = row.SelfCountedPerCall is null ? "-"
                : row.SelfCountedPerCall.Count == 0 ? "none"
                : string.Join(", ", row.SelfCountedPerCall.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key} {SummaryWriter.F(e.Value)}"));
            var byVerb = row.RouteRequestsPerCall.Count == 0 ? "none"
                : string.Join(", ", row.RouteRequestsPerCall.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key} {SummaryWriter.F(e.Value)}"));
            summary.Line($"| {row.Path} | {row.Weight} | {byVerb} | {SummaryWriter.F(row.Reads)} | {SummaryWriter.F(row.Writes)} "
                + $"| {SummaryWriter.F(row.EventPostsPerCall)} | {self} | {SummaryWriter.Ms(row.MedianMs)} | {SummaryWriter.Ms(row.P99Ms)} |");
        }

        summary.Line();
        var changing = rows[0];
        var unchanged = rows[5];
        summary.Line($"- Target, changing SetWeight = 1 write + at most 1 read: {SummaryWriter.F(changing.Writes)} write(s) + {SummaryWriter.F(changing.Reads)} read(s) per call: "
            + $"{(changing.Writes <= 1.0 && changing.Reads <= 1.0 ? "met" : "NOT met")} (built-in: {SummaryWriter.F(rows[1].Writes)} + {SummaryWriter.F(rows[1].Reads)}).");
        summary.Line($"- Target, changing SetWeight = 1 API request in steady state (its PATCH, planned from the route as last seen): {SummaryWriter.F(changing.Writes + changing.Reads)} request(s) per call: "
            + $"{(changing.Writes + changing.Reads <= 1.0 ? "met" : "NOT met")} (built-in: {SummaryWriter.F(rows[1].Writes + rows[1].Reads)}).");
        summary.Line($"- Target, unchanged SetWeight = 0 writes: {SummaryWriter.F(unchanged.Writes)} write(s) + {SummaryWriter.F(unchanged.Reads)} read(s) per call: "
            + $"{(unchanged.Writes == 0 ? "met" : "NOT met")} (built-in: {SummaryWriter.F(rows[6].Writes)} + {SummaryWriter.F(rows[6].Reads)}).");
        summary.Line($"- Breakdown of the changing call's median: the same patch sent directly {SummaryWriter.Ms(rows[2].MedianMs)} ms + the gRPC round trip {SummaryWriter.Ms(rows[3].MedianMs)} ms "
            + $"= {SummaryWriter.Ms(rows[2].MedianMs + rows[3].MedianMs)} ms, against {SummaryWriter.Ms(changing.MedianMs)} ms through the sidecar "
            + $"(the sidecar's own share {SummaryWriter.Ms(changing.MedianMs - rows[2].MedianMs - rows[3].MedianMs)} ms), {SummaryWriter.Ms(rows[4].MedianMs)} ms with --events off.");
        summary.Line($"- Target, changing SetWeight's median at most the built-in pattern's: {SummaryWriter.Ms(changing.MedianMs)} ms against {SummaryWriter.Ms(rows[1].MedianMs)} ms: "
            + $"{(changing.MedianMs <= rows[1].MedianMs ? "met" : "NOT met")}.");
        summary.Line($"- The plugin records Kubernetes Events from a background queue off the call path, at most one per Rollout and reason a second "
            + $"(the last one held and written when its second ends): {SummaryWriter.F(changing.EventPostsPerCall, "0.000")} POST events/call in this loop.");
    }

    /// <summary>The patch the plugin's planner makes, sent with KubernetesClient, planned from the answer to the previous one.</summary>
    private sealed class DirectPatch(IKubernetes client, string ns, string name, string app)
    {
        private Core.Routes.ApisixRouteSnapshot? _route;

        public async Task ReadAsync() =>
            _route = new Core.Routes.ApisixRouteSnapshot(((JsonElement)await client.CustomObjects.GetNamespacedCustomObjectAsync(
                ApisixCrd.Group, ApisixCrd.Version, ns, ApisixCrd.Plural, name)).Clone());

        public async Task SetWeightAsync(int weight)
        {
            var split = new Core.Weights.WeightSplit(BenchmarkRollouts.Canary(app), weight, BenchmarkRollouts.Stable(app), 100 - weight, []);
            var patch = Core.Weights.WeightPlanner.Plan(_route!, new Core.Configuration.RouteTarget(ns, name, [BenchmarkRollouts.Rule]), split);
            var body = await client.CustomObjects.PatchNamespacedCustomObjectAsync(
                new k8s.Models.V1Patch(patch.ToString(), k8s.Models.V1Patch.PatchType.JsonPatch), ApisixCrd.Group, ApisixCrd.Version, ns, ApisixCrd.Plural, name, fieldManager: "apisix-plugin");
            _route = new Core.Routes.ApisixRouteSnapshot(((JsonElement)body).Clone());
        }
    }
}
