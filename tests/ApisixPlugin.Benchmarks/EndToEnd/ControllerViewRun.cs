using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Benchmarks.Reporting;
using ApisixPlugin.Benchmarks.Sidecar;
using ApisixPlugin.Benchmarks.Translation;
using ApisixPlugin.Protos.V1;
using ApisixPlugin.Testing;
using ApisixPlugin.Testing.Cluster;
using ApisixPlugin.Testing.Crds;
using k8s;

namespace ApisixPlugin.Benchmarks.EndToEnd;

/// <summary>
/// What the controller's reconciles cost the API server through the plugin, beside the built-in
/// router's pattern, for 1 and for 200 Rollouts reconciled 10 at a time (argo-rollouts' default
/// --rollout-threads). A reconcile is the calls rollout/trafficrouting.go makes: at a setWeight
/// step UpdateHash, SetWeight and VerifyWeight; fully promoted RemoveManagedRoutes first. The
/// built-in router does GET + PUT for SetWeight, nothing for VerifyWeight and a GET per listed
/// managed route for RemoveManagedRoutes (rollout/trafficrouting/apisix/apisix.go). Each Rollout
/// lists one managed route, which does not exist, as after a finished header step.
/// </summary>
internal static class ControllerViewRun
{
    private const int ControllerThreads = 10;
    private const int StepWeight = 20;

    public static async Task<int> RunAsync(RunOptions options)
    {
        var fixture = new KubeClusterFixture();
        await fixture.InitializeAsync();
        try
        {
            var ns = await fixture.CreateNamespaceAsync("controller-view");
            await fixture.GrantAsync(ns, KubeUsers.Plugin, BenchmarkRollouts.PluginPermissions);
            await fixture.GrantAsync(ns, KubeUsers.SomeoneElse, BenchmarkRollouts.BuiltInPermissions);
            using var server = new ApiServerRequestCount(fixture.Server);
            await using var sidecar = await SidecarUnderTest.StartAsync(
                options.SidecarDll ?? SidecarUnderTest.DefaultDll, fixture.KubeconfigFor(KubeUsers.Plugin), new Dictionary<string, string>());
            using var builtIn = fixture.ClientFor(KubeUsers.SomeoneElse);

            var rows = new List<Row>();
            var errors = 0;
            foreach (var count in new[] { 1, 200 })
            {
                var rounds = options.Quick ? 2 : count == 1 ? 50 : 5;
                var plugin = await CreateAsync(fixture, ns, $"p{count}", count);
                var reference = await CreateAsync(fixture, ns, $"b{count}", count);

                await ForEachAsync(plugin, r => sidecar.Client.SetWeightAsync(BenchmarkRollouts.SetWeight(r.Rollout, StepWeight)).ResponseAsync);
                await ForEachAsync(plugin, r => fixture.ApisixRoutes.AcceptCurrentGenerationAsync(ns, r.Route));
                await ForEachAsync(reference, r => BuiltInSetWeightAsync(builtIn, ns, r, StepWeight));
                rows.AddRange(await MeasurePairAsync("at a setWeight step", rounds, server,
                    (plugin, async r =>
                    {
                        await sidecar.Client.UpdateHashAsync(new UpdateHashRequest { Rollout = r.Rollout });
                        await sidecar.Client.SetWeightAsync(BenchmarkRollouts.SetWeight(r.Rollout, StepWeight));
                        var reply = await sidecar.Client.VerifyWeightAsync(new VerifyWeightRequest { Rollout = r.Rollout, DesiredWeight = StepWeight });
                        if (reply.Verification != Verification.Verified)
                        {
                            Interlocked.Increment(ref errors);
                        }
                    }),
                    (reference, r => BuiltInSetWeightAsync(builtIn, ns, r, StepWeight))));

                await ForEachAsync(plugin, r => sidecar.Client.SetWeightAsync(BenchmarkRollouts.SetWeight(r.Rollout, 0)).ResponseAsync);
                await ForEachAsync(plugin, r => fixture.ApisixRoutes.AcceptCurrentGenerationAsync(ns, r.Route));
                await ForEachAsync(reference, r => BuiltInSetWeightAsync(builtIn, ns, r, 0));
                rows.AddRange(await MeasurePairAsync("fully promoted", rounds, server,
                    (plugin, async r =>
                    {
                        await sidecar.Client.RemoveManagedRoutesAsync(new RemoveManagedRoutesRequest { Rollout = r.Rollout });
                        await sidecar.Client.UpdateHashAsync(new UpdateHashRequest { Rollout = r.Rollout });
                        await sidecar.Client.SetWeightAsync(BenchmarkRollouts.SetWeight(r.Rollout, 0));
                        var reply = await sidecar.Client.VerifyWeightAsync(new VerifyWeightRequest { Rollout = r.Rollout, DesiredWeight = 0 });
                        if (reply.Verification != Verification.Verified)
                        {
                            Interlocked.Increment(ref errors);
                        }
                    }),
                    (reference, async r =>
                    {
                        await BuiltInRemoveManagedRoutesAsync(builtIn, ns, r);
                        await BuiltInSetWeightAsync(builtIn, ns, r, 0);
                    })));
            }

            var summary = new SummaryWriter(options.SummaryPath);
            Report(summary, rows, errors, fixture.Crd.Release, options.Quick ? "2" : "50 (1 Rollout) and 5 (200)");
            summary.Flush();
            return errors == 0 ? 0 : 1;
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    private sealed record Subject(Rollout Rollout, string Route, string App, string ManagedRoute);

    private sealed record Row(string Path, string State, int Rollouts, int Reconciles, IReadOnlyDictionary<string, double> PerReconcile, double MedianMs, double RoundSeconds)
    {
        public double Requests => PerReconcile.Values.Sum();
    }

    private static async Task<List<Subject>> CreateAsync(KubeClusterFixture fixture, string ns, string prefix, int count)
    {
        var subjects = Enumerable.Range(0, count).Select(i =>
        {
            var rollout = BenchmarkRollouts.Rollout(ns, $"{prefix}-app{i}", $"{prefix}-route-{i}", $"{prefix}-app{i}");
            rollout.ManagedRoutes.Add($"{prefix}-header-{i}");
            return new Subject(rollout, $"{prefix}-route-{i}", $"{prefix}-app{i}", $"{prefix}-header-{i}");
        }).ToList();
        await ForEachAsync(subjects, s => fixture.ApisixRoutes.CreateAsync(ns, BenchmarkRollouts.Route(s.Route, s.App)));
        return subjects;
    }

    private static Task ForEachAsync(List<Subject> subjects, Func<Subject, Task> call) =>
        Parallel.ForEachAsync(subjects, new ParallelOptions { MaxDegreeOfParallelism = ControllerThreads }, async (s, _) => await call(s));

    /// <summary>
    /// The plugin's and the built-in's reconciles of every Rollout, 10 at a time. Requests are
    /// counted over one round of each alone (the API server's counters cannot tell clients apart);
    /// latency over <paramref name="rounds"/> more, the two taking turns to go first.
    /// </summary>
    private static async Task<Row[]> MeasurePairAsync(
        string state, int rounds, ApiServerRequestCount server, (List<Subject> Subjects, Func<Subject, Task> Reconcile) plugin, (List<Subject> Subjects, Func<Subject, Task> Reconcile) builtIn)
    {
        var paths = new[] { (Name: "plugin", Path: plugin), (Name: "built-in pattern", Path: builtIn) };
        var counts = new List<Dictionary<string, double>>();
        foreach (var (_, (subjects, reconcile)) in paths)
        {
            var before = await server.ByVerbAsync("apisixroutes");
            await ForEachAsync(subjects, reconcile);
            counts.Add(PrometheusText.Delta(before, await server.ByVerbAsync("apisixroutes")));
        }

        var latencies = paths.Select(_ => new List<double>()).ToArray();
        var roundTimes = paths.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var k in round % 2 == 0 ? new[] { 0, 1 } : [1, 0])
            {
                var (subjects, reconcile) = paths[k].Path;
                var started = Stopwatch.GetTimestamp();
                await ForEachAsync(subjects, async s =>
                {
                    var t = Stopwatch.GetTimestamp();
                    await reconcile(s);
                    lock (latencies)
                    {
                        latencies[k].Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                    }
                });
                roundTimes[k].Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        }

        return [.. paths.Select((p, k) => new Row(p.Name, state, p.Path.Subjects.Count, p.Path.Subjects.Count,
            counts[k].Where(e => e.Value != 0).ToDictionary(e => e.Key, e => e.Value / p.Path.Subjects.Count),
            Percentiles.Of(latencies[k], 50), Percentiles.Of(roundTimes[k], 50)))];
    }

    private static async Task BuiltInSetWeightAsync(IKubernetes client, string ns, Subject s, int weight)
    {
        var body = await client.CustomObjects.GetNamespacedCustomObjectAsync(ApisixCrd.Group, ApisixCrd.Version, ns, ApisixCrd.Plural, s.Route);
        var route = JsonNode.Parse(((JsonElement)body).GetRawText())!.AsObject();
        BuiltInStyleTranslation.SetWeights(route, [BenchmarkRollouts.Rule], BenchmarkRollouts.Canary(s.App), BenchmarkRollouts.Stable(s.App), weight);
        await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(route, ApisixCrd.Group, ApisixCrd.Version, ns, ApisixCrd.Plural, s.Route);
    }

    /// <summary>The built-in router's RemoveManagedRoutes: a GET per listed managed route; one that is not found is skipped.</summary>
    private static async Task BuiltInRemoveManagedRoutesAsync(IKubernetes client, string ns, Subject s)
    {
        try
        {
            await client.CustomObjects.GetNamespacedCustomObjectAsync(ApisixCrd.Group, ApisixCrd.Version, ns, ApisixCrd.Plural, s.ManagedRoute);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
        }
    }

    private static void Report(SummaryWriter summary, List<Row> rows, int errors, ApisixCrdRelease crd, string rounds)
    {
        summary.Line($"## 4. The controller's view: API requests per reconcile (real kube-apiserver v1.20.2, ApisixRoute CRD {crd}; {ControllerThreads} reconciles at a time)");
        summary.Line();
        summary.Line("Counted by the API server (apiserver_request_total, resource apisixroutes; this v1.20 server labels a GET of one object `LIST`).");
        summary.Line("A reconcile: at a step UpdateHash + SetWeight + VerifyWeight (the plugin's route accepted by the ingress controller at its current generation);");
        summary.Line("fully promoted RemoveManagedRoutes first. Built-in: SetWeight GET + PUT, VerifyWeight none (it answers \"not supported\"), RemoveManagedRoutes a GET per listed route.");
        summary.Line();
        summary.Line($"Requests are counted over one round of each path alone; latency over {rounds} more rounds, the plugin and the built-in taking turns to go first.");
        summary.Line();
        summary.Line("| state | Rollouts | path | reconciles counted | requests/reconcile by verb | requests/reconcile | reconcile median ms | round of all Rollouts, median s |");
        summary.Line("|---|---:|---|---:|---|---:|---:|---:|");
        foreach (var row in rows)
        {
            var byVerb = row.PerReconcile.Count == 0 ? "none"
                : string.Join(", ", row.PerReconcile.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key} {SummaryWriter.F(e.Value)}"));
            summary.Line($"| {row.State} | {row.Rollouts} | {row.Path} | {row.Reconciles} | {byVerb} | {SummaryWriter.F(row.Requests)} | {SummaryWriter.Ms(row.MedianMs)} | {SummaryWriter.F(row.RoundSeconds, "0.000")} |");
        }

        summary.Line();
        summary.Line($"- VerifyWeight answers other than Verified in the plugin's reconciles: {errors}.");
        var promoted = rows.Where(r => r.State == "fully promoted" && r.Path == "plugin").ToList();
        summary.Line($"- Target, a fully promoted Rollout costs no API request per reconcile: {string.Join(", ", promoted.Select(r => $"{r.Rollouts} Rollout(s) {SummaryWriter.F(r.Requests)}"))}: "
            + $"{(promoted.All(r => r.Requests == 0) ? "met" : "NOT met (one GET confirms the route; see RESULTS.md for why no watch)")}.");
        summary.Line();
    }
}
