using System.Text.Json.Nodes;
using ApisixPlugin.Testing.Cluster;
using k8s;
using static ApisixPlugin.Integration.Tests.Check.CheckScenario;

namespace ApisixPlugin.Integration.Tests.Check;

/// <summary>
/// <c>apisix-plugin check</c> against the real API server, with real Rollouts (the upstream Rollout
/// CRD) and real ApisixRoutes: a healthy Rollout passes everything and exits 0; each kind of
/// misconfiguration is a FAIL that names the route, rule, field or value, and exits 1; nothing is
/// ever written.
/// </summary>
[Collection(CheckCollection.Name)]
public sealed class CheckTests(CheckClusterFixture fx)
{
    private static CheckReportJson.Finding Single(IReadOnlyList<CheckReportJson.Finding> findings, string check, string status) =>
        Assert.Single(findings, f => f.Check == check && f.Status == status);

    [Fact]
    public async Task A_healthy_rollout_passes_every_check_as_the_plugins_own_user_and_nothing_is_written()
    {
        var s = await CreateAsync(fx);
        var route = await s.CreateRouteAsync();
        await s.CreateRolloutAsync();
        await s.GrantCheckAsync(KubeUsers.Plugin);

        var (run, report) = await CheckRun.JsonAsync(s.Args(KubeUsers.Plugin, "--ingress-class", IngressClass));

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}:\n{run.Output}\n{run.Error}");
        Assert.Equal("pass", (string?)report["result"]);
        Assert.All(report.All(), f => Assert.Equal("pass", f.Status));
        Assert.Equal((PluginName, s.Namespace, false, null, $"{s.ControllerNamespace}/argo-rollouts-config"),
            ((string?)report["pluginName"], (string?)report["namespace"], (bool)report["allNamespaces"]!, (string?)report["rollout"], (string?)report["controllerConfigMap"]));
        Assert.Equal((report.All().Count, 0, 0), ((int)report["counts"]!["pass"]!, (int)report["counts"]!["warn"]!, (int)report["counts"]!["fail"]!));
        var findings = report.Rollout(s.Namespace, RolloutName);
        Assert.Equal(["plugin-config", "route", "ingress-class", "route-status", "rule", "duplicate-service", "backend", "backend", "managed-route", "permission"],
            findings.Select(f => f.Check));
        Assert.Equal($"may get, patch, create, delete apisixroutes.apisix.apache.org; create events in namespace {s.Namespace}",
            Single(findings, "permission", "pass").Message);
        Assert.Contains($"'{PluginName}' at file:///opt/apisix-plugin/apisix-plugin-bridge, args [--socket, /run/apisix-plugin/sidecar.sock]",
            Single(report.General(), "controller-config", "pass").Message, StringComparison.Ordinal);
        Assert.Equal(
            [
                "init container install-apisix-plugin installs the bridge into volume 'apisix-plugin-bin', where argo-rollouts loads it from /opt/apisix-plugin/apisix-plugin-bridge",
                "container apisix-plugin serves /run/apisix-plugin/sidecar.sock in volume 'apisix-plugin-socket', where the bridge in argo-rollouts connects to /run/apisix-plugin/sidecar.sock",
            ],
            report.General().Where(f => f.Check == "controller-pod").Select(f => f.Message));
        // Read only: the route is as it was, and the managed route was not made.
        Assert.Equal(route.ToJsonString(), (await fx.ApisixRoutes.GetAsync(s.Namespace, Route)).ToJsonString());
        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => fx.ApisixRoutes.GetAsync(s.Namespace, HeaderRoute));
    }

    [Fact]
    public async Task The_text_report_lists_each_check_per_rollout_with_its_status_and_the_totals()
    {
        var s = await CreateAsync(fx);
        await s.CreateRouteAsync();
        await s.CreateRolloutAsync();

        var run = await CheckRun.StartAsync(s.Args());

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
        var lines = run.Output.Split('\n');
        Assert.StartsWith($"apisix-plugin check: plugin {PluginName}, namespace {s.Namespace}, API server https://", lines[0], StringComparison.Ordinal);
        Assert.Contains($"cluster (controller configmap {s.ControllerNamespace}/argo-rollouts-config)", lines);
        Assert.Contains($"rollout {s.RolloutKey}: PASS", lines);
        Assert.Contains($"  PASS  backend            route {s.Namespace}/{Route} rule '{Rule}': the canary service '{Canary}' is backends[1]", lines);
        Assert.Matches(@"^result: PASS \(1\d pass, 0 warn, 0 fail\)$", lines.Single(l => l.StartsWith("result:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_program_itself_runs_check_the_published_file_when_the_full_run_gives_one()
    {
        var s = await CreateAsync(fx);
        await s.CreateRouteAsync();
        await s.CreateRolloutAsync();

        var (exitCode, output) = await Testing.Sidecar.SidecarHost.RunToExitAsync(["check", .. s.Args(), "--output", "json"]);

        Assert.True(exitCode == 0, output);
        var report = (JsonObject)JsonNode.Parse(output)!;
        Assert.Equal("pass", (string?)report["result"]);
        Assert.Contains(report.Rollout(s.Namespace, RolloutName), f => f.Check == "permission" && f.Status == "pass");
    }

    /// <summary>Nothing listening where the kubeconfig points: exit 1, naming the API server, with no report.</summary>
    [Fact]
    public async Task An_API_server_that_does_not_answer_is_exit_code_1_naming_it()
    {
        var kubeconfig = Path.Combine(Directory.CreateTempSubdirectory("check-unreachable-").FullName, "kubeconfig");
        var server = new Uri($"https://127.0.0.1:{ApisixPlugin.Testing.Cluster.FreePorts.Next()}");
        ApisixPlugin.Testing.Cluster.Kubeconfig.Write(kubeconfig, server, "nobody", "no-token");

        var run = await CheckRun.StartAsync("--kubeconfig", kubeconfig, "--namespace", "default");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"check: the Kubernetes API server at {server.GetLeftPart(UriPartial.Authority)}", run.Error, StringComparison.Ordinal);
        Assert.Contains("did not answer", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task A_missing_route_fails_naming_it()
    {
        var s = await CreateAsync(fx);
        await s.CreateRolloutAsync();

        var (run, report) = await CheckRun.JsonAsync(s.Args());

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("check: 1 check failed\n", run.Error);
        var failed = Assert.Single(report.Failed());
        Assert.Equal(("route", $"route {s.Namespace}/{Route}: no ApisixRoute named '{Route}' in namespace '{s.Namespace}'"), (failed.Check, failed.Message));
    }

    [Fact]
    public async Task A_missing_rule_fails_with_the_rules_the_route_has()
    {
        var s = await CreateAsync(fx);
        await s.CreateRouteAsync();
        await s.CreateRolloutAsync($$$"""{"route":{"name":"{{{Route}}}","rules":["{{{Rule}}}","api"]}}""");

        var (run, report) = await CheckRun.JsonAsync(s.Args());

        Assert.Equal(1, run.ExitCode);
        var failed = Assert.Single(report.Failed());
        Assert.Equal(("rule", $"{s.Namespace}/{Route} rule 'api'"), (failed.Check, failed.Subject));
        Assert.Equal($"route {s.Namespace}/{Route}: no rule named 'api' in spec.http (rules: '{Rule}')", failed.Message);
    }

    [Fact]
    public async Task A_missing_canary_backend_fails_naming_the_rule_and_the_service()
    {
        var s = await CreateAsync(fx);
        await s.CreateRouteAsync(RouteJson(services: [Stable]));
        await s.CreateRolloutAsync();

        var (run, report) = await CheckRun.JsonAsync(s.Args());

        Assert.Equal(1, run.ExitCode);
        var failed = Assert.Single(report.Failed());
        Assert.Equal("backend", failed.Check);
        Assert.Equal($"route {s.Namespace}/{Route} rule '{Rule}': no backend with serviceName '{Canary}' (the Rollout's canary service); backends: '{Stable}'", failed.Message);
    }

    [Fact]
    public async Task A_service_listed_twice_in_a_rule_fails()
    {
        var s = await CreateAsync(fx);
        await s.CreateRouteAsync(RouteJson(services: [Stable, Canary, Stable]));
        await s.CreateRolloutAsync();

        var (run, report) = await CheckRun.JsonAsync(s.Args());

        Assert.Equal(1, run.ExitCode);
        var failed = Assert.Single(report.Failed());
        Assert.Equal("duplicate-service", failed.Check);
        Assert.Equal($"route {s.Namespace}/{Route} rule '{Rule}': backends list service '{Stable}' more than once (APISIX rejects it)", failed.Message);
    }

    [Fact]
    public async Task A_managed_route_name_taken_by_a_foreign_route_fails_and_an_owned_one_passes()
    {
        var s = await CreateAsync(fx);
        await s.CreateRouteAsync();
        await s.CreateRolloutAsync();
        await fx.ApisixRoutes.CreateAsync(s.Namespace, RouteJson(name: HeaderRoute));

        var (run, report) = await CheckRun.JsonAsync(s.Args());

        Assert.Equal(1, run.ExitCode);
        var failed = Assert.Single(report.Failed());
        Assert.Equal(("managed-route", $"{s.Namespace}/{HeaderRoute}"), (failed.Check, failed.Subject));
        Assert.StartsWith($"managed route name '{HeaderRoute}': ApisixRoute {s.Namespace}/{HeaderRoute} already exists and is not owned by rollout {s.RolloutKey} (it has no owner annotation)",
            failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_route_in_another_namespace_without_consent_fails_and_nothing_inside_it_is_reported()
    {
        var s = await CreateAsync(fx);
        var other = await fx.CreateNamespaceAsync("payments");
        await s.CreateRouteAsync(RouteJson(rule: "secret-rule", services: ["secret-stable", "secret-canary"]), other);
        await s.CreateRolloutAsync($$$"""{"route":{"name":"{{{Route}}}","namespace":"{{{other}}}","rules":["secret-rule"]}}""");

        var (run, report) = await CheckRun.JsonAsync(s.Args());

        Assert.Equal(1, run.ExitCode);
        var failed = Assert.Single(report.Failed());
        Assert.Equal("consent", failed.Check);
        Assert.Contains($"route {other}/{Route} is in another namespace and does not allow Rollouts from namespace '{s.Namespace}'", failed.Message, StringComparison.Ordinal);
        Assert.Contains("rollouts.apisixplugin.io/allow-rollouts-from", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-stable", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Rollout(s.Namespace, RolloutName), f => f.Check is "rule" or "backend" or "managed-route");
    }

    [Fact]
    public async Task A_consenting_route_in_another_namespace_is_checked_with_the_permissions_there()
    {
        var (s, other) = await ConsentingRouteElsewhereAsync();

        var (run, report) = await CheckRun.JsonAsync(s.Args());

        Assert.True(run.ExitCode == 0, run.Output);
        var findings = report.Rollout(s.Namespace, RolloutName);
        Assert.Equal("pass", Single(findings, "consent", "pass").Status);
        Assert.Equal($"{other}/{HeaderRoute}", Single(findings, "managed-route", "pass").Subject);
        Assert.Equal([$"namespace {other}", $"namespace {s.Namespace}"], findings.Where(f => f.Check == "permission").Select(f => f.Subject));
    }

    [Fact]
    public async Task A_consenting_route_outside_the_sidecars_route_namespaces_fails_consent_naming_the_option()
    {
        var (s, other) = await ConsentingRouteElsewhereAsync();

        var (run, report) = await CheckRun.JsonAsync([.. s.Args(), "--route-namespaces", "team-x, team-y"]);

        Assert.Equal(1, run.ExitCode);
        var failed = Assert.Single(report.Failed());
        Assert.Equal(("consent", $"{other}/{Route}"), (failed.Check, failed.Subject));
        Assert.Contains($"does not allow Rollouts to use routes in namespace '{other}' (sidecar option --route-namespaces)", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Rollout(s.Namespace, RolloutName), f => f.Check is "rule" or "backend" or "managed-route");
    }

    [Fact]
    public async Task Check_run_in_the_sidecar_container_judges_by_the_sidecars_route_namespaces_variable()
    {
        var (s, other) = await ConsentingRouteElsewhereAsync();

        var (outside, outsideReport) = await CheckRun.JsonAsync(new Dictionary<string, string> { ["APISIX_PLUGIN_ROUTE_NAMESPACES"] = "team-x" }, s.Args());
        var (inside, _) = await CheckRun.JsonAsync(new Dictionary<string, string> { ["APISIX_PLUGIN_ROUTE_NAMESPACES"] = $"team-x,{other}" }, s.Args());

        Assert.Equal(1, outside.ExitCode);
        Assert.Equal("consent", Assert.Single(outsideReport.Failed()).Check);
        Assert.True(inside.ExitCode == 0, inside.Output);
    }

    [Theory]
    [InlineData("--route-namespaces", "Team_B")]
    [InlineData("APISIX_PLUGIN_ROUTE_NAMESPACES", "team-a,Team_B")]
    public async Task A_route_namespaces_entry_that_is_no_namespace_name_is_a_bad_command_line_naming_where_it_came_from(string from, string value)
    {
        var run = from.StartsWith("--", StringComparison.Ordinal)
            ? await CheckRun.StartAsync(from, value)
            : await CheckRun.StartAsync(new Dictionary<string, string> { [from] = value });

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{from}: 'Team_B' is not a namespace name", run.Error, StringComparison.Ordinal);
    }

    /// <summary>A Rollout whose route is in another namespace that consents to it.</summary>
    private async Task<(CheckScenario Scenario, string Other)> ConsentingRouteElsewhereAsync()
    {
        var s = await CreateAsync(fx);
        var other = await fx.CreateNamespaceAsync("payments");
        var route = RouteJson();
        route["metadata"]!["annotations"] = new JsonObject { ["rollouts.apisixplugin.io/allow-rollouts-from"] = s.Namespace };
        await s.CreateRouteAsync(route, other);
        await s.CreateRolloutAsync($$$"""{"route":{"name":"{{{Route}}}","namespace":"{{{other}}}","rules":["{{{Rule}}}"]}}""");
        return (s, other);
    }

    [Fact]
    public async Task Init_containers_of_ones_own_replacing_the_plugins_as_Helm_does_fail_the_controller_pod_naming_the_list()
    {
        var s = await CreateAsync(fx);
        await s.CreateRouteAsync();
        await s.CreateRolloutAsync();
        // A values file of the user's own with controller.initContainers: Helm takes that list whole.
        var deployment = await fx.Admin.AppsV1.ReadNamespacedDeploymentAsync("argo-rollouts", s.ControllerNamespace);
        deployment.Spec.Template.Spec.InitContainers = [new k8s.Models.V1Container { Name = "wait-for-db", Image = "busybox", Command = ["sh", "-c", "true"] }];
        await fx.Admin.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, "argo-rollouts", s.ControllerNamespace);

        var (run, report) = await CheckRun.JsonAsync(s.Args());

        Assert.Equal(1, run.ExitCode);
        var failed = Assert.Single(report.Failed());
        Assert.Equal(("controller-pod", $"deployment {s.ControllerNamespace}/argo-rollouts"), (failed.Check, failed.Subject));
        Assert.StartsWith("no init container installs the bridge into volume 'apisix-plugin-bin', which argo-rollouts mounts at /opt/apisix-plugin", failed.Message, StringComparison.Ordinal);
        Assert.Contains("values of your own that set controller.initContainers drop the plugin's entries", failed.Message, StringComparison.Ordinal);
        // The sidecar, a plain container here, is still there and still passes.
        Assert.Contains(report.General(), f => f.Check == "controller-pod" && f.Status == "pass" && f.Message.StartsWith("container apisix-plugin serves", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_plugin_block_that_does_not_parse_fails_with_the_sidecars_message()
    {
        var s = await CreateAsync(fx);
        await s.CreateRouteAsync();
        await s.CreateRolloutAsync($$$"""{"route":{"name":"{{{Route}}}","rulez":["{{{Rule}}}"]}}""");

        var (run, report) = await CheckRun.JsonAsync(s.Args());

        Assert.Equal(1, run.ExitCode);
        var failed = Assert.Single(report.Failed());
        Assert.Equal(("plugin-config", $"plugins.{PluginName}.route: unknown field(s) 'rulez'; known: name, namespace, rules"), (failed.Check, failed.Message));
    }

    [Fact]
    public async Task The_upstream_configmap_without_the_plugins_entry_fails_and_says_what_to_add()
    {
        var s = await CreateAsync(fx, registered: false);
        await s.CreateRouteAsync();
        await s.CreateRolloutAsync();

        var (run, report) = await CheckRun.JsonAsync(s.Args());

        Assert.Equal(1, run.ExitCode);
        var failed = Assert.Single(report.Failed());
        Assert.Equal(("controller-config", $"{s.ControllerNamespace}/argo-rollouts-config"), (failed.Check, failed.Subject));
        Assert.StartsWith($"configmap {s.ControllerNamespace}/argo-rollouts-config has no trafficRouterPlugins", failed.Message, StringComparison.Ordinal);
        Assert.Contains("location: file:///opt/apisix-plugin/apisix-plugin-bridge", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configmap_listing_only_another_plugin_fails_naming_what_it_lists()
    {
        var s = await CreateAsync(fx);
        await s.CreateRouteAsync();
        await s.CreateRolloutAsync();
        var map = await fx.Admin.CoreV1.ReadNamespacedConfigMapAsync("argo-rollouts-config", s.ControllerNamespace);
        map.Data["trafficRouterPlugins"] = "- name: argoproj-labs/gatewayAPI\n  location: https://example.com/gatewayapi-plugin\n";
        await fx.Admin.CoreV1.ReplaceNamespacedConfigMapAsync(map, map.Metadata.Name, s.ControllerNamespace);

        var (run, report) = await CheckRun.JsonAsync(s.Args());

        Assert.Equal(1, run.ExitCode);
        var failed = Assert.Single(report.Failed());
        Assert.Contains($"no entry named '{PluginName}' (it lists 'argoproj-labs/gatewayAPI')", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_rollouts_naming_the_plugin_are_checked_and_finding_none_is_a_warning()
    {
        var s = await CreateAsync(fx);
        await s.CreateRouteAsync();
        await s.CreateRolloutAsync();

        var (run, report) = await CheckRun.JsonAsync(s.Args(more: ["--plugin-name", "example/other"]));

        Assert.Empty(report["rollouts"]!.AsArray());
        var none = Single(report.General(), "rollouts", "warn");
        Assert.Equal($"no Rollout in namespace {s.Namespace} names 'example/other' under spec.strategy.canary.trafficRouting.plugins (1 Rollout(s) read)", none.Message);
        // The registration is still checked, for the plugin name given, and is what fails.
        Assert.Equal(1, run.ExitCode);
        var failed = Assert.Single(report.Failed());
        Assert.Contains("no entry named 'example/other'", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_named_rollout_that_does_not_exist_or_does_not_use_the_plugin_fails()
    {
        var s = await CreateAsync(fx);
        await s.CreateRouteAsync();
        await s.CreateRolloutAsync();

        var (missing, missingReport) = await CheckRun.JsonAsync(s.Args(more: ["--rollout", "nope"]));
        var (other, otherReport) = await CheckRun.JsonAsync(s.Args(more: ["--rollout", RolloutName, "--plugin-name", "example/other"]));

        Assert.Equal(1, missing.ExitCode);
        Assert.Equal($"cannot read rollout {s.Namespace}/nope: rollout {s.Namespace}/nope: no Rollout named 'nope' in namespace {s.Namespace}",
            Single(missingReport.General(), "rollouts", "fail").Message);
        Assert.Equal(1, other.ExitCode);
        Assert.Equal($"rollout {s.RolloutKey}: spec.strategy.canary.trafficRouting.plugins has no key 'example/other' (it names '{PluginName}')",
            Single(otherReport.Rollout(s.Namespace, RolloutName), "plugin-config", "fail").Message);
    }

    [Fact]
    public async Task All_namespaces_reads_rollouts_at_cluster_scope_and_without_that_permission_names_it()
    {
        var s = await CreateAsync(fx);
        await s.CreateRouteAsync();
        await s.CreateRolloutAsync();
        await fx.GrantAsync(s.Namespace, KubeUsers.Reader, [RolloutsRead("get", "list")]);
        string[] args = ["--all-namespaces", "--controller-namespace", s.ControllerNamespace];

        var (_, report) = await CheckRun.JsonAsync(["--kubeconfig", fx.KubeconfigFor(KubeUsers.Admin), .. args]);
        var (refused, refusedReport) = await CheckRun.JsonAsync(["--kubeconfig", fx.KubeconfigFor(KubeUsers.Reader), .. args]);

        Assert.Equal((null, true), ((string?)report["namespace"], (bool)report["allNamespaces"]!));
        Assert.All(report.Rollout(s.Namespace, RolloutName), f => Assert.Equal("pass", f.Status));
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("cannot list Rollouts in all namespaces: missing permission: list rollouts.argoproj.io at cluster scope (--all-namespaces)",
            Single(refusedReport.General(), "rollouts", "fail").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--all-namespaces", "--namespace", "x")]
    [InlineData("--all-namespaces", "--rollout", "x")]
    [InlineData("--output", "yaml")]
    [InlineData("--plugin-name", "no-slash")]
    [InlineData("--namespace", "Not_A_Namespace")]
    [InlineData("--bogus")]
    public async Task A_bad_command_line_exits_2_with_the_usage_and_prints_no_report(params string[] args)
    {
        var run = await CheckRun.StartAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.Contains("Usage:\n  apisix-plugin check", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_check_among_the_verbs_and_its_options()
    {
        using var rootOutput = new StringWriter { NewLine = "\n" };
        var rootExit = await new Sidecar.Hosting.SidecarCommandLine(_ => Task.FromResult(0)).InvokeAsync(["--help"], rootOutput, TextWriter.Null);
        var help = await CheckRun.StartAsync("--help");

        Assert.Equal((0, 0), (rootExit, help.ExitCode));
        Assert.Matches(@"\n  check\s+Check, without writing anything,", rootOutput.ToString());
        Assert.Contains("Usage:\n  apisix-plugin check [options]", help.Output, StringComparison.Ordinal);
        foreach (var option in new[] { "--kubeconfig", "--namespace", "--all-namespaces", "--rollout", "--output", "--plugin-name", "--controller-namespace", "--ingress-class" })
        {
            Assert.Contains(option, help.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_kubeconfig_that_does_not_exist_or_is_empty_exits_2_naming_it()
    {
        var empty = Path.GetTempFileName();
        try
        {
            foreach (var path in new[] { "/nonexistent/kubeconfig", empty })
            {
                var run = await CheckRun.StartAsync("--kubeconfig", path);

                Assert.Equal(2, run.ExitCode);
                Assert.Equal("", run.Output);
                Assert.StartsWith($"check: --kubeconfig '{path}' is not a usable kubeconfig:", run.Error, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(empty);
        }
    }
}
