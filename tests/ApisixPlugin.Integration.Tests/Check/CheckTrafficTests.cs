using System.Text.Json.Nodes;
using ApisixPlugin.Testing.Cluster;
using ApisixPlugin.Testing.Crds;
using k8s;
using k8s.Models;
using static ApisixPlugin.Integration.Tests.Check.CheckScenario;

namespace ApisixPlugin.Integration.Tests.Check;

/// <summary>
/// check's account of each configured rule's traffic, against the real API server: the shares as
/// APISIX applies the weights, the header route over the rule, the Services the API server has,
/// and the ingress controller generation the route's status tells. It explains; it changes no
/// verdict and no exit code.
/// </summary>
[Collection(CheckCollection.Name)]
public sealed class CheckTrafficTests(CheckClusterFixture fx)
{
    private bool Is2x => fx.Crd.Release == ApisixCrdRelease.Controller2x;

    /// <summary>The scenario's route with stable at 80 and canary at 20.</summary>
    private static JsonObject WeightedRoute()
    {
        var route = RouteJson();
        var backends = route["spec"]!["http"]![0]!["backends"]!.AsArray();
        backends[0]!["weight"] = 80;
        backends[1]!["weight"] = 20;
        return route;
    }

    private async Task CreateServicesAsync(string ns, params string[] names)
    {
        foreach (var name in names)
        {
            await fx.Admin.CoreV1.CreateNamespacedServiceAsync(new V1Service
            {
                Metadata = new V1ObjectMeta { Name = name },
                Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80 }], Selector = new Dictionary<string, string> { ["app"] = name } },
            }, ns);
        }
    }

    /// <summary>The header route a setHeaderRoute step of the Rollout leaves: owned by it, the canary alone for trace=debug, above the rule.</summary>
    private async Task CreateHeaderRouteAsync(CheckScenario s, string rolloutUid)
    {
        var route = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = HeaderRoute,
                ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "apisix-plugin" },
                ["annotations"] = new JsonObject
                {
                    ["rollouts.apisixplugin.io/owner"] = $"{s.Namespace}/{RolloutName}/{rolloutUid}",
                    ["rollouts.apisixplugin.io/managed-kind"] = "header",
                },
            },
            ["spec"] = new JsonObject
            {
                ["ingressClassName"] = IngressClass,
                ["http"] = new JsonArray(new JsonObject
                {
                    ["name"] = $"{HeaderRoute}-{Rule}",
                    ["priority"] = 1,
                    ["match"] = new JsonObject
                    {
                        ["paths"] = new JsonArray("/*"),
                        ["exprs"] = new JsonArray(new JsonObject
                        {
                            ["subject"] = new JsonObject { ["scope"] = "Header", ["name"] = "trace" },
                            ["op"] = "Equal",
                            ["value"] = "debug",
                        }),
                    },
                    ["backends"] = new JsonArray(new JsonObject { ["serviceName"] = Canary, ["servicePort"] = 80, ["weight"] = 100 }),
                }),
            },
        };
        await fx.ApisixRoutes.CreateAsync(s.Namespace, route);
    }

    private string Generation => Is2x ? "ingress controller 2.x" : "ingress controller 1.x";

    [Fact]
    public async Task The_text_report_gives_each_rules_shares_and_the_header_route_over_it_with_the_services_read()
    {
        var s = await CreateAsync(fx);
        await CreateServicesAsync(s.Namespace, Stable, Canary);
        await s.CreateRouteAsync(WeightedRoute());
        var rollout = await s.CreateRolloutAsync();
        await CreateHeaderRouteAsync(s, (string)rollout["metadata"]!["uid"]!);

        var run = await CheckRun.StartAsync(s.Args());

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var lines = run.Output.Split('\n');
        var at = Array.IndexOf(lines, "  traffic as APISIX will share it:");
        Assert.True(at > Array.FindIndex(lines, l => l.StartsWith($"rollout {s.RolloutKey}: ", StringComparison.Ordinal)), run.Output);
        Assert.Equal($"    {s.Namespace}/{Route} rule {Rule} ({Generation}, from the route's status; Services read): " +
            $"20.0% canary ({Canary}), 80.0% stable ({Stable}); header trace=debug -> 100.0% canary", lines[at + 1]);
    }

    [Fact]
    public async Task A_missing_canary_service_is_skipped_on_2x_and_fails_the_route_on_1x_without_changing_the_verdict()
    {
        var s = await CreateAsync(fx);
        await CreateServicesAsync(s.Namespace, Stable);
        await s.CreateRouteAsync(WeightedRoute());
        await s.CreateRolloutAsync();

        var (run, report) = await CheckRun.JsonAsync(s.Args());

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var traffic = report["rollouts"]![0]!["traffic"]!.AsArray().Single()!;
        Assert.Equal((Is2x ? "2.x" : "1.x", true), ((string?)traffic["controllerGeneration"], (bool)traffic["servicesRead"]!));
        if (Is2x)
        {
            Assert.Equal("split", (string?)traffic["outcome"]);
            var shares = traffic["shares"]!.AsArray().Select(b => ((string?)b!["serviceName"], (decimal)b["percent"]!, (string?)b["skipped"])).ToList();
            Assert.Equal([(Stable, 100m, null), (Canary, 0m, "Service missing: skipped")], shares);
        }
        else
        {
            Assert.Equal("rejected", (string?)traffic["outcome"]);
            Assert.Contains($"Service '{Canary}' does not exist, and a 1.x ingress controller fails the whole route", (string?)traffic["problem"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_a_status_both_generations_outcomes_are_told()
    {
        var s = await CreateAsync(fx);
        await CreateServicesAsync(s.Namespace, Stable);
        await fx.ApisixRoutes.CreateAsync(s.Namespace, WeightedRoute());
        await s.CreateRolloutAsync();

        var run = await CheckRun.StartAsync(s.Args());

        Assert.Contains($"rule {Rule} (ingress controller generation unknown: the route has no status; Services read): 0.0% canary ({Canary}), Service missing: skipped, 100.0% stable ({Stable})",
            run.Output, StringComparison.Ordinal);
        Assert.Contains($"      note: Service '{Canary}' does not exist: a 2.x ingress controller skips it, as shown; a 1.x controller fails the whole route instead",
            run.Output.Split('\n'));
    }

    [Fact]
    public async Task Credentials_that_may_not_read_services_say_so_and_count_every_backend_as_served()
    {
        var s = await CreateAsync(fx);
        await CreateServicesAsync(s.Namespace, Stable);
        await s.CreateRouteAsync(WeightedRoute());
        await s.CreateRolloutAsync();
        await s.GrantCheckAsync(KubeUsers.Plugin);

        var (run, report) = await CheckRun.JsonAsync(s.Args(KubeUsers.Plugin));

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var traffic = report["rollouts"]![0]!["traffic"]!.AsArray().Single()!;
        Assert.False((bool)traffic["servicesRead"]!);
        Assert.StartsWith($"missing permission: get services in namespace {s.Namespace}", (string?)traffic["servicesProblem"], StringComparison.Ordinal);
        Assert.Equal([20.0m, 80.0m], traffic["shares"]!.AsArray().Select(b => (decimal)b!["percent"]!).Reverse());

        var text = await CheckRun.StartAsync(s.Args(KubeUsers.Plugin));
        Assert.Contains("; Services not read): 20.0% canary", text.Output, StringComparison.Ordinal);
        Assert.Contains("so every backend counts as served: a missing one is skipped by a 2.x ingress controller and fails the whole route on 1.x", text.Output, StringComparison.Ordinal);
    }
}
