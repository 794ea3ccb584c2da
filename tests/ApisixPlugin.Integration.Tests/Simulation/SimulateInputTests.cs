using System.Text.Json;
using ApisixPlugin.Kubernetes.Manifests;
using ApisixPlugin.Sidecar.Simulation;

namespace ApisixPlugin.Integration.Tests.Simulation;

/// <summary><c>simulate</c> on files of one's own: bad configuration, other namespaces, mirror steps, diff and JSON output.</summary>
public sealed class SimulateInputTests
{
    private static string GuideRollout => SimulationInputs.Load(null, null).RolloutYaml;

    private static string GuideRoutes => SimulationInputs.Load(null, null).RoutesYaml;

    [Fact]
    public async Task An_unknown_plugin_field_fails_the_first_step_names_it_and_the_replay_stops_there()
    {
        using var folder = new SimulateRun.TempFolder();
        var typo = GuideRollout.Replace("              rules:\n", "              rulez:\n", StringComparison.Ordinal);
        Assert.NotEqual(GuideRollout, typo);
        var rollout = folder.Write("rollout.yaml", typo);

        var run = await SimulateRun.StartAsync("--rollout", rollout);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("  SetWeight(20): failed: InvalidArgument: plugins.apisixplugin/apisix.route: unknown field(s) 'rulez'",
            run.Output, StringComparison.Ordinal);
        // The controller does not verify after a failed SetWeight, and retries the step instead of going on.
        Assert.DoesNotContain("VerifyWeight", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("SetHeaderRoute", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("promote", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("changed default/", run.Output, StringComparison.Ordinal);
        Assert.Contains("stopped: step 1 failed; the controller retries it and goes no further", run.Output, StringComparison.Ordinal);
        Assert.StartsWith("simulate: step 1 (setWeight 20) failed, so the replay stopped there: SetWeight(20): failed: InvalidArgument:", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Rollout_without_the_plugin_block_gets_the_services_message()
    {
        var run = await SimulateRun.StartAsync("--plugin-name", "example.com/other");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("SetWeight(20): failed: InvalidArgument: plugins.example.com/other: the Rollout has no configuration for this plugin",
            run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_shows_only_changed_lines()
    {
        var run = await SimulateRun.StartAsync("--diff");

        Assert.Equal(0, run.ExitCode);
        foreach (var header in new[] { "step 4: setWeight 40", "step 6: setWeight 60", "step 8: setWeight 80" })
        {
            var section = run.Section(header);
            var body = section.Split('\n').SkipWhile(l => !l.StartsWith("  changed ", StringComparison.Ordinal)).Skip(1).ToList();
            Assert.NotEmpty(body);
            Assert.All(body, l => Assert.Matches(@"^    (@@ |-|\+)", l));
            Assert.DoesNotContain("hosts:", section, StringComparison.Ordinal);
            Assert.DoesNotContain("servicePort", section, StringComparison.Ordinal);
            Assert.Contains("@@ - serviceName: rollout-apisix-canary-stable", section, StringComparison.Ordinal);
        }

        var step4 = run.Section("step 4: setWeight 40").Split('\n');
        Assert.Contains("    -          weight: 80", step4);
        Assert.Contains("    +          weight: 60", step4);
        // The server's bookkeeping changes with every write and says nothing of the traffic.
        Assert.DoesNotContain("generation", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mirror_steps_create_and_remove_a_mirror_route_in_the_Rollouts_namespace()
    {
        using var folder = new SimulateRun.TempFolder();
        var rollout = folder.Write("rollout.yaml", """
            apiVersion: argoproj.io/v1alpha1
            kind: Rollout
            metadata:
              name: shop
              namespace: prod
            spec:
              strategy:
                canary:
                  stableService: shop-stable
                  canaryService: shop-canary
                  trafficRouting:
                    managedRoutes:
                      - name: mirror-route
                    plugins:
                      apisixplugin/apisix:
                        routes:
                          - name: shop
                  steps:
                    - setWeight: 30
                    - setMirrorRoute:
                        name: mirror-route
                        percentage: 50
                        match:
                          - method:
                              exact: GET
                    - setMirrorRoute:
                        name: mirror-route
                    - analysis: {}
            """);
        var routes = folder.Write("routes.yaml", """
            apiVersion: v1
            kind: Service
            metadata:
              name: shop-stable
            ---
            apiVersion: apisix.apache.org/v2
            kind: ApisixRoute
            metadata:
              name: shop
            spec:
              http:
                - name: shop
                  match:
                    paths: ["/*"]
                  backends:
                    - serviceName: shop-stable
                      servicePort: 8080
                    - serviceName: shop-canary
                      servicePort: 8080
            """);

        var run = await SimulateRun.StartAsync("--rollout", rollout, "--routes", routes);

        Assert.True(run.ExitCode == 0, run.Output);
        var mirror = SimulateRun.PrintedRoute(run.Section("step 2: setMirrorRoute mirror-route"), "prod/mirror-route");
        var plugin = mirror["spec"]!["http"]![0]!["plugins"]!.AsArray().Single(p => (string)p!["name"]! == "proxy-mirror")!;
        Assert.Equal(0.5, (double)plugin["config"]!["sample_ratio"]!);
        Assert.Equal("http://shop-canary.prod.svc.cluster.local:8080", (string)plugin["config"]!["host"]!);
        Assert.Contains("  deleted prod/mirror-route", run.Section("step 3: setMirrorRoute mirror-route"), StringComparison.Ordinal);
        Assert.Contains("skipped", run.Section("step 4: analysis"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mirror_percentage_of_0_is_sent_as_absent_like_gob_does_and_mirrors_everything()
    {
        using var folder = new SimulateRun.TempFolder();
        var rollout = folder.Write("rollout.yaml", GuideRollout.Replace("""
                    - setHeaderRoute:
                        name: set-header
                        match:
                          - headerName: trace
                            headerValue:
                              exact: debug
            """, """
                    - setMirrorRoute:
                        name: set-header
                        percentage: 0
                        match:
                          - path:
                              exact: /debug
            """, StringComparison.Ordinal));

        var run = await SimulateRun.StartAsync("--rollout", rollout);

        Assert.True(run.ExitCode == 0, run.Output);
        var step = run.Section("step 2: setMirrorRoute set-header");
        Assert.Contains("note: percentage 0 arrives as no percentage", step, StringComparison.Ordinal);
        var mirror = SimulateRun.PrintedRoute(step, "default/set-header");
        var plugin = mirror["spec"]!["http"]![0]!["plugins"]!.AsArray().Single(p => (string)p!["name"]! == "proxy-mirror")!;
        Assert.Equal("1", plugin["config"]!["sample_ratio"]!.ToJsonString());
    }

    [Fact]
    public async Task A_header_step_with_an_unknown_field_is_reported_and_not_sent()
    {
        using var folder = new SimulateRun.TempFolder();
        var typo = GuideRollout.Replace("headerName: trace", "headerNam: trace", StringComparison.Ordinal);
        Assert.NotEqual(GuideRollout, typo);

        var run = await SimulateRun.StartAsync("--rollout", folder.Write("rollout.yaml", typo));

        Assert.Equal(1, run.ExitCode);
        var step = run.Section("step 2: setHeaderRoute set-header");
        Assert.Contains("failed: the setHeaderRoute step cannot be sent:", step, StringComparison.Ordinal);
        Assert.Contains("headerNam", step, StringComparison.Ordinal);
        Assert.DoesNotContain("SetHeaderRoute(", step, StringComparison.Ordinal);
        Assert.DoesNotContain("step 4: setWeight 40", run.Output, StringComparison.Ordinal);
        Assert.Contains("stopped: step 2 failed", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3000000000", "maxTrafficWeight 3000000000 does not fit")]
    [InlineData("\"100\"", "maxTrafficWeight must be a whole number, not \"100\"")]
    public async Task A_maxTrafficWeight_the_Rollout_cannot_hold_exits_1_naming_file_and_field(string value, string expected)
    {
        using var folder = new SimulateRun.TempFolder();
        var rollout = GuideRollout.Replace("      trafficRouting:\n", $"      trafficRouting:\n        maxTrafficWeight: {value}\n", StringComparison.Ordinal);
        Assert.NotEqual(GuideRollout, rollout);
        var file = folder.Write("rollout.yaml", rollout);

        var run = await SimulateRun.StartAsync("--rollout", file);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{file}: spec.strategy.canary.trafficRouting.{expected}", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("weight: \"20\"", "backends[0] has weight \"20\" (a string)")]
    [InlineData("weight: [20]", "backends[0] has weight a list")]
    public async Task A_backend_weight_that_is_no_number_fails_naming_route_rule_and_backend(string weight, string expected)
    {
        using var folder = new SimulateRun.TempFolder();
        var routes = GuideRoutes.Replace("servicePort: 80\n", $"servicePort: 80\n          {weight}\n", StringComparison.Ordinal);
        Assert.Contains(weight, routes, StringComparison.Ordinal);

        var run = await SimulateRun.StartAsync("--routes", folder.Write("routes.yaml", routes));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"SetWeight(20): failed: FailedPrecondition: route default/rollouts-apisix-route rule 'rollouts-apisix': spec.http[0].{expected}",
            run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_route_in_another_namespace_without_consent_is_PermissionDenied_in_simulate_too()
    {
        using var folder = new SimulateRun.TempFolder();
        var rollout = GuideRollout.Replace("              name: rollouts-apisix-route\n", "              name: rollouts-apisix-route\n              namespace: team-b\n", StringComparison.Ordinal);
        Assert.NotEqual(GuideRollout, rollout);
        var routes = GuideRoutes.Replace("  name: rollouts-apisix-route\n", "  name: rollouts-apisix-route\n  namespace: team-b\n", StringComparison.Ordinal);
        Assert.NotEqual(GuideRoutes, routes);

        var run = await SimulateRun.StartAsync("--rollout", folder.Write("rollout.yaml", rollout), "--routes", folder.Write("routes.yaml", routes));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("SetWeight(20): failed: PermissionDenied: rollout default/rollouts-demo: route team-b/rollouts-apisix-route is in another namespace",
            run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Unrecognized command or argument '--bogus'", "--bogus")]
    [InlineData("Argument 'yaml' not recognized", "--output", "yaml")]
    [InlineData("Required argument missing for option: '--rollout'", "--rollout")]
    [InlineData("--plugin-name: 'no-slash' does not have Argo's '<org>/<name>' form", "--plugin-name", "no-slash")]
    public async Task A_bad_command_line_exits_2_with_the_reason_and_the_usage_on_stderr(string reason, params string[] args)
    {
        var run = await SimulateRun.StartAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(reason, run.Error, StringComparison.Ordinal);
        Assert.Contains("Usage:\n  apisix-plugin simulate [options]", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task Help_prints_the_usage_on_stdout_and_exits_0()
    {
        var run = await SimulateRun.StartAsync("--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Usage:\n  apisix-plugin simulate [options]", run.Output, StringComparison.Ordinal);
        Assert.Contains("--output <text|json>", run.Output, StringComparison.Ordinal);
        Assert.Contains("--abort-at <STEP>", run.Output, StringComparison.Ordinal);
        Assert.Equal("", run.Error);
    }

    [Fact]
    public async Task A_missing_file_exits_1_naming_it()
    {
        var run = await SimulateRun.StartAsync("--routes", "/nonexistent/routes.yaml");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("/nonexistent/routes.yaml: no such file", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_routes_file_without_ApisixRoutes_exits_1()
    {
        using var folder = new SimulateRun.TempFolder();
        var services = folder.Write("services.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n");

        var run = await SimulateRun.StartAsync("--routes", services);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no document of kind ApisixRoute", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_guide_routes_file_round_trips_through_its_printed_form()
    {
        var run = await SimulateRun.StartAsync();
        var printed = SimulateRun.PrintedRoute(run.Section("step 1: setWeight 20"), "default/rollouts-apisix-route");
        var source = (System.Text.Json.Nodes.JsonObject)ManifestYaml.ReadDocuments(GuideRoutes, "guide").Single();

        Assert.Equal(source["spec"]!["http"]![0]!["match"]!.ToJsonString(), printed["spec"]!["http"]![0]!["match"]!.ToJsonString());
    }
}
