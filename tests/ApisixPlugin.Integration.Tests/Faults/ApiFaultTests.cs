using System.Diagnostics;
using ApisixPlugin.Protos.V1;
using ApisixPlugin.Testing.Cluster;
using ApisixPlugin.Testing.Faults;
using Grpc.Core;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;

namespace ApisixPlugin.Integration.Tests.Faults;

/// <summary>
/// The real sidecar talking to the real kube-apiserver through <see cref="FaultProxy"/>, one fault
/// per test: each ends in bounded time, with an error that names the API server (never INTERNAL,
/// never the sidecar), and the next call converges. The bounds asserted here are the ones
/// tests/ApisixPlugin.Benchmarks/RESULTS.md reports.
/// </summary>
[Collection("sidecar")]
public sealed class ApiFaultTests(SidecarClusterFixture fx, Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Short, so that a test of giving up takes seconds: each request 2 s, the call 5 s.</summary>
    private static readonly string[] ShortBudget = ["--api-request-timeout", "2", "--api-retry-budget", "5"];

    private sealed class Setup(FaultProxy proxy, SidecarProcess sidecar, string ns) : IAsyncDisposable
    {
        public FaultProxy Proxy => proxy;

        public TrafficRouter.TrafficRouterClient Client => sidecar.Client;

        public string Namespace => ns;

        public async ValueTask DisposeAsync()
        {
            await sidecar.DisposeAsync();
            await proxy.DisposeAsync();
        }
    }

    private async Task<Setup> StartAsync(string prefix, params string[] sidecarArgs)
    {
        var ns = await fx.PluginNamespaceAsync(prefix);
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var proxy = await FaultProxy.StartAsync(fx.Server.Url);
        var kubeconfig = proxy.WriteKubeconfig(Directory.CreateTempSubdirectory("fault-proxy-").FullName, fx.Server.TokenOf(KubeUsers.Plugin));
        return new Setup(proxy, await SidecarProcess.StartAsync(kubeconfig, sidecarArgs), ns);
    }

    private static SetWeightRequest Weight(string ns, int weight, string? config = null) =>
        new() { Rollout = config is null ? Rollout(ns) : Rollout(ns, config), DesiredWeight = weight };

    private async Task<int> CanaryWeightAsync(string ns, string route = Route) =>
        WeightsOf(await fx.ApisixRoutes.GetAsync(ns, route))[Canary];

    /// <summary>Each answer README lists as sent again: 500, 502, 503 and 504 (429 has its own test, with Retry-After).</summary>
    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task A_5xx_is_retried_within_the_call_the_step_lands_and_the_retries_are_counted(int status)
    {
        var port = FreePorts.Next();
        await using var s = await StartAsync($"fault-{status}", "--metrics-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        s.Proxy.Fault = r => r.Method == "GET" && r.NumberOfMethod <= 2 ? new ApiFault.Status(status) : null;

        await s.Client.SetWeightAsync(Weight(s.Namespace, 20));

        Assert.Equal(20, await CanaryWeightAsync(s.Namespace));
        Assert.Equal(3, s.Proxy.Seen.Count(r => r.Method == "GET"));
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        Assert.Contains($$"""apisix_plugin_api_retries_total{verb="get",reason="http-{{status}}"} 2""", metrics, StringComparison.Ordinal);
    }

    /// <summary>The budget ends before the caller's own deadline (less 2 s), so the answer is the sidecar's, naming the API server.</summary>
    [Fact]
    public async Task A_stall_under_a_short_caller_deadline_is_answered_by_the_sidecar_before_that_deadline()
    {
        await using var s = await StartAsync("fault-deadline");
        s.Proxy.Fault = r => r.Method == "GET" ? new ApiFault.Stall() : null;
        var started = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            s.Client.SetWeightAsync(Weight(s.Namespace, 20), deadline: DateTime.UtcNow.AddSeconds(8)).ResponseAsync);

        output.WriteLine($"measured: {started.Elapsed.TotalSeconds:0.00} s");
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(7.5));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Contains("the Kubernetes API server did not answer", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(SidecarTrailer, error.Trailers.Select(t => t.Key));
    }

    [Fact]
    public async Task A_500_that_does_not_stop_ends_within_the_budget_as_UNAVAILABLE_naming_the_API_server_and_the_next_call_converges()
    {
        await using var s = await StartAsync("fault-500s", ShortBudget);
        s.Proxy.Fault = r => r.Method == "GET" ? new ApiFault.Status(503) : null;
        var started = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RpcException>(() => s.Client.SetWeightAsync(Weight(s.Namespace, 30)).ResponseAsync);

        output.WriteLine($"measured: {started.Elapsed.TotalSeconds:0.00} s");
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(7));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains($"route {s.Namespace}/{Route}: the Kubernetes API server could not get apisixroutes (HTTP 503", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(s.Proxy.Seen.Count(r => r.Method == "GET") > 2, "the 503 was not retried");

        s.Proxy.Fault = _ => null;
        await s.Client.SetWeightAsync(Weight(s.Namespace, 30));
        Assert.Equal(30, await CanaryWeightAsync(s.Namespace));
    }

    [Fact]
    public async Task A_429_is_retried_after_the_Retry_After_the_API_server_asked_for()
    {
        await using var s = await StartAsync("fault-429");
        s.Proxy.Fault = r => r.Method == "PATCH" && r.NumberOfMethod == 1 ? new ApiFault.Status(429, RetryAfterSeconds: 2) : null;
        var started = Stopwatch.StartNew();

        await s.Client.SetWeightAsync(Weight(s.Namespace, 40));

        output.WriteLine($"measured: {started.Elapsed.TotalSeconds:0.00} s");
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6));
        Assert.Equal(40, await CanaryWeightAsync(s.Namespace));
        Assert.Equal(2, s.Proxy.Seen.Count(r => r.Method == "PATCH"));
    }

    /// <summary>
    /// The API server applied the PATCH but its answer was lost: the write sent again is guarded
    /// by what was read, so it fails as a conflict, is re-planned from the route as it is now, and
    /// the call succeeds with the split in place.
    /// </summary>
    [Fact]
    public async Task A_write_whose_answer_is_lost_is_sent_again_as_a_guarded_write_and_the_call_succeeds()
    {
        await using var s = await StartAsync("fault-lost");
        s.Proxy.Fault = r => r.Method == "PATCH" && r.NumberOfMethod == 1 ? new ApiFault.LoseAnswer() : null;

        await s.Client.SetWeightAsync(Weight(s.Namespace, 35));

        Assert.Equal(35, await CanaryWeightAsync(s.Namespace));
        Assert.Equal(65, WeightsOf(await fx.ApisixRoutes.GetAsync(s.Namespace, Route))[Stable]);
        // The lost one, the one sent again (refused: the route changed), and none after the re-plan found nothing to do.
        Assert.Equal(2, s.Proxy.Seen.Count(r => r.Method == "PATCH"));
    }

    [Fact]
    public async Task A_reset_stream_is_retried_and_never_INTERNAL()
    {
        await using var s = await StartAsync("fault-reset");
        s.Proxy.Fault = r => r.Method == "PATCH" && r.NumberOfMethod == 1 ? new ApiFault.Reset() : null;

        await s.Client.SetWeightAsync(Weight(s.Namespace, 50));

        Assert.Equal(50, await CanaryWeightAsync(s.Namespace));
    }

    [Fact]
    public async Task A_stalled_API_server_ends_within_the_budget_as_DEADLINE_EXCEEDED_naming_it_and_the_next_call_converges()
    {
        await using var s = await StartAsync("fault-stall", ShortBudget);
        s.Proxy.Fault = r => r.Method == "GET" ? new ApiFault.Stall() : null;
        var started = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RpcException>(() => s.Client.SetWeightAsync(Weight(s.Namespace, 60)).ResponseAsync);

        output.WriteLine($"measured: {started.Elapsed.TotalSeconds:0.00} s");
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(7));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Contains($"route {s.Namespace}/{Route}: the Kubernetes API server did not answer get apisixroutes", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(SidecarTrailer, error.Trailers.Select(t => t.Key));

        s.Proxy.Fault = _ => null;
        await s.Client.SetWeightAsync(Weight(s.Namespace, 60));
        Assert.Equal(60, await CanaryWeightAsync(s.Namespace));
    }

    /// <summary>
    /// The connection the sidecar holds goes silent (no RST, no FIN). With the default settings the
    /// call must move to a new connection and land within 15 s, instead of failing every call
    /// until the client's keep-alive gives up minutes later.
    /// </summary>
    [Fact]
    public async Task A_silently_dead_connection_is_abandoned_within_15_s_and_the_call_lands_on_a_new_one()
    {
        await using var s = await StartAsync("fault-blackhole");
        await s.Client.SetWeightAsync(Weight(s.Namespace, 10));
        var before = s.Proxy.Relay.Accepted;
        Assert.True(s.Proxy.Relay.FreezeLiveConnections() >= 1, "the sidecar held no connection to freeze");
        var started = Stopwatch.StartNew();

        await s.Client.SetWeightAsync(Weight(s.Namespace, 70));

        output.WriteLine($"measured: {started.Elapsed.TotalSeconds:0.00} s");
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(15));
        Assert.True(s.Proxy.Relay.Accepted > before, "the call did not open a new connection");
        Assert.Equal(70, await CanaryWeightAsync(s.Namespace));
    }

    [Fact]
    public async Task A_fault_on_the_second_of_two_writes_names_that_route_leaves_the_first_written_and_the_next_call_converges()
    {
        await using var s = await StartAsync("fault-second", ShortBudget);
        await fx.ApisixRoutes.CreateAsync(s.Namespace, ApisixRoute("second"));
        var config = $$$"""{"routes":[{"name":"{{{Route}}}","rules":["{{{Rule}}}"]},{"name":"second","rules":["{{{Rule}}}"]}]}""";
        s.Proxy.Fault = r => r.Method == "PATCH" && r.Path.EndsWith("/second", StringComparison.Ordinal) ? new ApiFault.Status(500) : null;

        var error = await Assert.ThrowsAsync<RpcException>(() => s.Client.SetWeightAsync(Weight(s.Namespace, 25, config)).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains($"route {s.Namespace}/second:", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(25, await CanaryWeightAsync(s.Namespace));
        Assert.Equal(100, WeightsOf(await fx.ApisixRoutes.GetAsync(s.Namespace, "second"))[Canary]);

        s.Proxy.Fault = _ => null;
        await s.Client.SetWeightAsync(Weight(s.Namespace, 25, config));
        Assert.Equal(25, WeightsOf(await fx.ApisixRoutes.GetAsync(s.Namespace, "second"))[Canary]);
    }

    private const string SidecarTrailer = ApisixPlugin.Contracts.SidecarTrailers.Answered;
}
