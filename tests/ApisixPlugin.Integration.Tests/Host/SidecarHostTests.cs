using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using ApisixPlugin.Testing.Cluster;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using k8s;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;

namespace ApisixPlugin.Integration.Tests.Host;

/// <summary>The sidecar process itself: start-up validation, health, and an unreachable API server.</summary>
[Collection("sidecar")]
public sealed class SidecarHostTests(SidecarClusterFixture fx)
{
    [Theory]
    [InlineData("--plugin-name", "no-slash", "Sidecar:PluginName")]
    [InlineData("--metrics-port", "70000", "MetricsPort")]
    [InlineData("--kubeconfig", "/nonexistent/kubeconfig", "Sidecar:Kubeconfig")]
    [InlineData("--kubeconfig", "/dev/null", "is not a usable kubeconfig")]
    [InlineData("--socket", "/nonexistent-folder/s.sock", "Sidecar:SocketPath")]
    [InlineData("--socket-mode", "999", "Sidecar:SocketMode")]
    [InlineData("--route-namespaces", "team-a,Team_B", "Sidecar:RouteNamespaces")]
    [InlineData("--api-retry-budget", "0", "ApiRetryBudgetSeconds")]
    public async Task A_bad_option_stops_the_process_with_a_message_naming_it(string flag, string value, string named)
    {
        var args = new List<string> { "serve", "--metrics-port", "0", "--socket", Path.Combine(Path.GetTempPath(), $"s-{Guid.NewGuid():N}.sock"), "--kubeconfig", fx.KubeconfigFor(KubeUsers.Plugin) };
        var at = args.IndexOf(flag);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([flag, value]);
        }

        var (exitCode, output) = await SidecarProcess.RunToExitAsync([.. args]);

        Assert.Equal(2, exitCode);
        Assert.Contains(named, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serve", "--bogus")]
    [InlineData("bogus")]
    public async Task An_unknown_argument_stops_the_process_with_exit_code_2_and_the_usage(params string[] args)
    {
        var (exitCode, output) = await SidecarProcess.RunToExitAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Contains($"Unrecognized command or argument '{args[^1]}'", output, StringComparison.Ordinal);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_and_Type_answer_on_the_socket()
    {
        using var channel = SidecarProcess.ChannelFor(fx.Sidecar.SocketPath);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.Equal("apisix-plugin", (await fx.Sidecar.Client.TypeAsync(new TypeRequest())).Type);
    }

    [Fact]
    public async Task Server_reflection_lists_the_router_and_health_services()
    {
        // The published NativeAOT file keeps the descriptors reflection looks up only because the
        // sidecar roots them (MapSidecarEndpoints): this fails if that goes.
        using var channel = SidecarProcess.ChannelFor(fx.Sidecar.SocketPath);
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name);
        Assert.Contains("apisixplugin.v1.TrafficRouter", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task A_limit_of_API_requests_outside_1_to_256_stops_the_process_naming_it()
    {
        var (exitCode, output) = await SidecarProcess.RunToExitAsync(
            "serve", "--metrics-port", "0", "--socket", Path.Combine(Path.GetTempPath(), $"s-{Guid.NewGuid():N}.sock"),
            "--kubeconfig", fx.KubeconfigFor(KubeUsers.Plugin), "--max-api-requests", "0");

        Assert.Equal(2, exitCode);
        Assert.Contains("MaxConcurrentApiRequests", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_API_server_is_Unavailable()
    {
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}");
        var text = await File.ReadAllTextAsync(fx.KubeconfigFor(KubeUsers.Plugin));
        var server = System.Text.RegularExpressions.Regex.Match(text, @"https://127\.0\.0\.1:\d+").Value;
        await File.WriteAllTextAsync(kubeconfig, text.Replace(server, "https://127.0.0.1:1", StringComparison.Ordinal));
        await using var sidecar = await SidecarProcess.StartAsync(kubeconfig, "--api-retry-budget", "3");
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = Rollout("default"), DesiredWeight = 10 }).ResponseAsync);

        // Refused connections are retried (the API server may be restarting) within the budget, then named.
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("the Kubernetes API server could not get apisixroutes", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("attempts in", error.Status.Detail, StringComparison.Ordinal);
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(6));
    }

    [Fact]
    public async Task Weight_changes_are_recorded_as_Events_on_the_Rollout()
    {
        var ns = await fx.PluginNamespaceAsync("events");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var rollout = Rollout(ns);

        await fx.Sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 20 });

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var events = await fx.Admin.CoreV1.ListNamespacedEventAsync(ns);
            var recorded = events.Items.FirstOrDefault(e => e.Reason == "WeightUpdated");
            if (recorded is not null)
            {
                Assert.Equal(rollout.Uid, recorded.InvolvedObject.Uid);
                Assert.Equal("Rollout", recorded.InvolvedObject.Kind);
                Assert.Contains($"{Canary}=20", recorded.Message, StringComparison.Ordinal);
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "no WeightUpdated event within 10 s");
            await Task.Delay(100);
        }
    }

    /// <summary>Each call that changes routes leaves its Event on the Rollout, naming what it did.</summary>
    [Fact]
    public async Task Header_mirror_and_removal_calls_are_recorded_as_Events_on_the_Rollout()
    {
        var ns = await fx.PluginNamespaceAsync("events-managed");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var rollout = Rollout(ns, managedRoutes: ["header-route", "mirror-route"]);
        var client = fx.Sidecar.Client;

        await client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 20 });
        await client.SetHeaderRouteAsync(ManagedRoutes.ManagedRouteScenario.Header(rollout, "header-route", ("x-canary", ManagedRoutes.ManagedRouteScenario.Exact("1"))));
        await client.SetMirrorRouteAsync(ManagedRoutes.ManagedRouteScenario.Mirror(rollout, "mirror-route", 30, new RouteMatch { Path = ManagedRoutes.ManagedRouteScenario.Prefix("/") }));
        await client.RemoveManagedRoutesAsync(new RemoveManagedRoutesRequest { Rollout = rollout });

        string[] reasons = ["WeightUpdated", "HeaderRouteSet", "MirrorRouteSet", "ManagedRoutesRemoved"];
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var recorded = (await fx.Admin.CoreV1.ListNamespacedEventAsync(ns)).Items.Where(e => e.InvolvedObject.Uid == rollout.Uid).ToList();
            if (reasons.All(reason => recorded.Any(e => e.Reason == reason)))
            {
                Assert.Contains("header-route", recorded.First(e => e.Reason == "HeaderRouteSet").Message, StringComparison.Ordinal);
                Assert.Contains("mirror-route", recorded.First(e => e.Reason == "MirrorRouteSet").Message, StringComparison.Ordinal);
                var removed = recorded.First(e => e.Reason == "ManagedRoutesRemoved").Message;
                Assert.Contains("header-route", removed, StringComparison.Ordinal);
                Assert.Contains("mirror-route", removed, StringComparison.Ordinal);
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not every reason within 10 s; recorded: {string.Join(" | ", recorded.Select(e => $"{e.Reason}: {e.Message}"))}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Weight_changes_in_quick_succession_are_paced_to_one_Event_a_second_and_the_last_one_is_recorded()
    {
        var ns = await fx.PluginNamespaceAsync("events-paced");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var rollout = Rollout(ns);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var weight = 11; weight <= 30; weight++)
        {
            await fx.Sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = weight });
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var recorded = (await fx.Admin.CoreV1.ListNamespacedEventAsync(ns)).Items.Where(e => e.Reason == "WeightUpdated").ToList();
            var last = recorded.FirstOrDefault(e => e.Message.Contains($"{Canary}=30", StringComparison.Ordinal));
            if (last is not null)
            {
                // One at once, then at most one per second the calls took, then the held last one;
                // each call is either an Event or counted in the one that replaced it.
                Assert.True(recorded.Count <= Math.Ceiling(seconds) + 2, $"{recorded.Count} WeightUpdated events for 20 calls in {seconds:F2} s");
                var combined = recorded.Sum(e => System.Text.RegularExpressions.Regex.Match(e.Message, @"^\(combined with (\d+) earlier") is { Success: true } m
                    ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0);
                Assert.Equal(20, recorded.Count + combined);
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no WeightUpdated event with {Canary}=30 within 10 s; recorded: {string.Join(" | ", recorded.Select(e => e.Message))}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task An_Event_held_by_the_pacing_is_written_when_the_sidecar_is_stopped_within_its_second()
    {
        var ns = await fx.PluginNamespaceAsync("events-stop");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var rollout = Rollout(ns);
        await using var sidecar = await SidecarProcess.StartAsync(fx.KubeconfigFor(KubeUsers.Plugin), "--log-format", "json");

        // The second change comes within the first one's second: its Event is held, not written.
        await sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 20 });
        await sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 30 });
        Assert.Equal(0, await sidecar.TerminateAsync(TimeSpan.FromSeconds(15)));

        var messages = (await fx.Admin.CoreV1.ListNamespacedEventAsync(ns)).Items.Where(e => e.Reason == "WeightUpdated").Select(e => e.Message).ToList();
        Assert.Contains(messages, m => m.Contains($"{Canary}=20", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains($"{Canary}=30", StringComparison.Ordinal));
        var stopLine = Assert.Single(await LogLinesAsync(sidecar, lines => lines.Any(l => EventId(l) == 8)), l => EventId(l) == 8);
        Assert.Equal(1, stopLine["Written"]!.GetValue<int>());
        Assert.Equal(0, stopLine["NotWritten"]!.GetValue<int>());
    }

    [Fact]
    public async Task With_events_off_a_weight_change_writes_the_route_and_no_Event()
    {
        var ns = await fx.PluginNamespaceAsync("events-off");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var port = FreePorts.Next();
        await using var sidecar = await SidecarProcess.StartAsync(fx.KubeconfigFor(KubeUsers.Plugin), "--events", "off", "--metrics-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var reply = await sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = Rollout(ns), DesiredWeight = 20 });

        // The discarding recorder takes the event inside the call: nothing is queued to be sent later.
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        Assert.Equal(1, reply.RoutesChanged);
        Assert.Contains("""apisix_plugin_api_requests_total{verb="create-event"} 0""", metrics, StringComparison.Ordinal);
        Assert.Empty((await fx.Admin.CoreV1.ListNamespacedEventAsync(ns)).Items);
    }

    [Fact]
    public async Task Metrics_count_calls_api_requests_and_skipped_writes()
    {
        var ns = await fx.PluginNamespaceAsync("metrics");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var port = FreePorts.Next();
        await using var sidecar = await SidecarProcess.StartAsync(fx.KubeconfigFor(KubeUsers.Plugin), "--metrics-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var rollout = Rollout(ns);

        await sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 10 });
        await sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 10 });
        await Assert.ThrowsAsync<RpcException>(() => sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 101 }).ResponseAsync);

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        Assert.Matches("""apisix_plugin_calls_total\{[^}]*method="SetWeight"[^}]*outcome="OK"[^}]*\} 2""", metrics);
        Assert.Matches("""apisix_plugin_calls_total\{[^}]*method="SetWeight"[^}]*outcome="InvalidArgument"[^}]*\} 1""", metrics);
        Assert.Matches("""apisix_plugin_api_requests_total\{[^}]*verb="patch"[^}]*\} 1""", metrics);
        Assert.Matches("""apisix_plugin_api_requests_total\{[^}]*verb="get"[^}]*\} 2""", metrics);
        Assert.Matches("""apisix_plugin_writes_skipped_total(\{[^}]*\})? 1""", metrics);
        Assert.Contains("apisix_plugin_call_duration_seconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Equal("Healthy", await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/healthz")));
    }

    /// <summary>
    /// Before any call, /metrics already has every series deploy/monitoring's rules use, at zero:
    /// each metric name, with the label values the rules select on; and a zero series for every
    /// traffic-router method. So rates and alerts work from the start and count the first failure.
    /// </summary>
    [Fact]
    public async Task Before_any_call_metrics_has_every_series_the_monitoring_rules_use_at_zero()
    {
        var port = FreePorts.Next();
        await using var sidecar = await SidecarProcess.StartAsync(fx.KubeconfigFor(KubeUsers.Plugin), "--metrics-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        var series = metrics.Split('\n').Where(line => line.StartsWith("apisix_plugin_", StringComparison.Ordinal)).ToList();

        var rules = File.ReadAllText(Path.Combine(ApisixPlugin.Testing.RepoPaths.Root, "deploy", "monitoring", "prometheusrule.yaml"));
        var used = System.Text.RegularExpressions.Regex.Matches(rules, """(?<name>apisix_plugin_[a-z_]+)(\{(?<matchers>[^}]*)\})?""");
        Assert.NotEmpty(used);
        foreach (System.Text.RegularExpressions.Match use in used)
        {
            var name = use.Groups["name"].Value;
            var equal = System.Text.RegularExpressions.Regex.Matches(use.Groups["matchers"].Value, """(?<label>[a-z_]+)="(?<value>[^"]*)"(?!~)""")
                .Select(m => $"{m.Groups["label"].Value}=\"{m.Groups["value"].Value}\"").ToList();
            Assert.True(
                series.Any(line => (line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
                    && equal.All(m => line.Contains(m, StringComparison.Ordinal)) && line.EndsWith(" 0", StringComparison.Ordinal)),
                $"no zero series {use.Value} in /metrics before any call:\n{string.Join('\n', series)}");
        }

        // Every status a call can end with (README, "Errors"), for every method, and every verb the sidecar sends.
        string[] outcomes = ["OK", "Cancelled", "InvalidArgument", "FailedPrecondition", "Aborted", "PermissionDenied", "Unavailable", "DeadlineExceeded", "Internal", "Unknown"];
        foreach (var method in TrafficRouter.Descriptor.Methods.Select(m => m.Name))
        {
            foreach (var outcome in outcomes)
            {
                Assert.Contains($"apisix_plugin_calls_total{{method=\"{method}\",outcome=\"{outcome}\"}} 0", series);
            }

            Assert.Contains(series, line => line.StartsWith($"apisix_plugin_call_duration_seconds_count{{method=\"{method}\"}} 0", StringComparison.Ordinal));
        }

        foreach (var verb in new[] { "get", "list", "patch", "create", "delete", "create-event" })
        {
            Assert.Contains($"apisix_plugin_api_requests_total{{verb=\"{verb}\"}} 0", series);
        }

        Assert.Contains("apisix_plugin_weight_verifications_total{verified=\"true\"} 0", series);
        Assert.Contains("apisix_plugin_weight_verifications_total{verified=\"false\"} 0", series);
        Assert.Contains("apisix_plugin_writes_skipped_total 0", series);
        Assert.Contains("apisix_plugin_conflicts_retried_total 0", series);
        Assert.Contains("apisix_plugin_route_memory_stale_total 0", series);
        Assert.Contains("apisix_plugin_events_held_total 0", series);
        // Retries are the one family without zero series: their reasons are open-ended.
        Assert.DoesNotContain(series, line => line.StartsWith("apisix_plugin_api_retries_total{", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_json_log_line_carries_its_level_and_the_start_line_names_the_version()
    {
        var ns = await fx.PluginNamespaceAsync("json-logs");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        await using var sidecar = await SidecarProcess.StartAsync(fx.KubeconfigFor(KubeUsers.Plugin), "--log-format", "json", "--log-level", "debug");
        var rollout = Rollout(ns);

        await sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 10 });
        await sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 10 });
        var lines = await LogLinesAsync(sidecar, lines => lines.Any(l => EventId(l) == 2));

        // Information lines (the start line, a write) carry "@l" as the others do.
        Assert.All(lines, l => Assert.True(l["@l"] is not null, $"no @l in {l.ToJsonString()}"));
        var start = Assert.Single(lines, l => EventId(l) == 201);
        Assert.Equal("Information", start["@l"]!.GetValue<string>());
        Assert.Equal(ApisixPlugin.Contracts.ProgramVersion.Text, start["Version"]!.GetValue<string>());
        Assert.Equal("Information", Assert.Single(lines, l => EventId(l) == 1)["@l"]!.GetValue<string>());
        // At debug, the debug line of a write found unneeded is there.
        Assert.Equal("Debug", Assert.Single(lines, l => EventId(l) == 2)["@l"]!.GetValue<string>());
    }

    [Fact]
    public async Task At_log_level_warn_from_the_environment_only_warnings_and_errors_are_written()
    {
        var ns = await fx.PluginNamespaceAsync("warn-logs");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        await using var sidecar = await SidecarProcess.StartAsync(fx.KubeconfigFor(KubeUsers.Plugin),
            new Dictionary<string, string> { ["APISIX_PLUGIN_LOG_LEVEL"] = "warn" }, "--log-format", "json");
        var rollout = Rollout(ns);

        await sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 10 });
        await Assert.ThrowsAsync<RpcException>(() => sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 101 }).ResponseAsync);
        var lines = await LogLinesAsync(sidecar, lines => lines.Any(l => EventId(l) == 101));

        // The write (1) and the start line (201) are Information: left out.
        Assert.All(lines, l => Assert.Contains(l["@l"]!.GetValue<string>(), new[] { "Warning", "Error" }));
    }

    /// <summary>The plugin's own event id of a line; null for the framework's lines, whose ids overlap.</summary>
    private static int? EventId(JsonObject line) =>
        line["SourceContext"]?.GetValue<string>().StartsWith("ApisixPlugin.", StringComparison.Ordinal) == true ? line["EventId"]?["Id"]?.GetValue<int>() : null;

    /// <summary>The sidecar's output lines as JSON objects, once <paramref name="done"/> holds for them (at most 10 s).</summary>
    private static async Task<List<JsonObject>> LogLinesAsync(SidecarProcess sidecar, Func<List<JsonObject>, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var lines = sidecar.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(l => JsonNode.Parse(l)!.AsObject())
                .ToList();
            if (done(lines))
            {
                return lines;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the log lines waited for did not come within 10 s:\n{sidecar.Output}");
            await Task.Delay(100);
        }
    }
}
