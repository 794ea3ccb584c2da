using System.Text.Json.Nodes;
using ApisixPlugin.Core.Preflight;
using ApisixPlugin.Kubernetes.Manifests;
using ApisixPlugin.Testing.Cluster;
using k8s.Models;
using static ApisixPlugin.Integration.Tests.Check.CheckScenario;

namespace ApisixPlugin.Integration.Tests.Check;

/// <summary>
/// check with credentials that may do too little, granted by real RBAC: each permission the sidecar
/// lacks is a finding naming the verb, resource and namespace (SelfSubjectAccessReview), and what
/// the check itself may not read is said, with the permission, while the rest is still checked.
/// </summary>
[Collection(CheckCollection.Name)]
public sealed class CheckPermissionTests(CheckClusterFixture fx)
{
    [Fact]
    public void The_permissions_asked_are_exactly_the_rules_deploy_grants_the_sidecar()
    {
        // The namespaced variant's Role: the same rules the cluster-wide one adds to the controller's ClusterRole.
        var path = Path.Combine(Testing.RepoPaths.Root, "deploy", "kustomize", "components", "apisix-plugin-namespaced", "role.yaml");
        var role = (JsonObject)ManifestYaml.ReadDocuments(File.ReadAllText(path), path).Single();
        var granted = role["rules"]!.AsArray().SelectMany(r =>
            from g in r!["apiGroups"]!.AsArray()
            from res in r["resources"]!.AsArray()
            from v in r["verbs"]!.AsArray()
            select ((string)g!, (string)res!, (string)v!)).ToHashSet();

        // A Rollout that uses every call: a routeSelector (list) and managed routes (create, delete).
        const string Block = """{"route":{"name":"web"},"routeSelector":{"matchLabels":{"team":"shop"}}}""";
        var rollout = new Core.Rollouts.RolloutContext("shop", "web", "uid", "web-canary", "web-stable", ["set-header"], "apisixplugin/apisix", Block);
        var config = Core.Configuration.PluginConfigurationParser.Parse(rollout.PluginName, Block, "shop");
        var asked = SidecarAccess.For(rollout, config).Select(n => (n.Group, n.Resource, n.Verb)).ToHashSet();

        Assert.Equal(granted.Order(), asked.Order());
    }

    [Fact]
    public async Task A_token_that_may_only_read_gets_each_missing_sidecar_permission_named_and_the_configmap_it_may_not_read()
    {
        var s = await CreateAsync(fx);
        await s.CreateRouteAsync();
        await s.CreateRolloutAsync();
        await fx.GrantAsync(s.Namespace, KubeUsers.Reader,
        [
            RolloutsRead("get", "list"),
            new V1PolicyRule { ApiGroups = ["apisix.apache.org"], Resources = ["apisixroutes"], Verbs = ["get"] },
        ]);

        var (run, report) = await CheckRun.JsonAsync(s.Args(KubeUsers.Reader));

        Assert.Equal(1, run.ExitCode);
        var findings = report.Rollout(s.Namespace, RolloutName);
        // What it may read is checked as usual.
        Assert.All(findings.Where(f => f.Check is "route" or "rule" or "backend" or "managed-route"), f => Assert.Equal("pass", f.Status));
        var permissions = findings.Where(f => f.Check == "permission").ToList();
        Assert.Equal(
        [
            ("pass", $"may get apisixroutes.apisix.apache.org in namespace {s.Namespace}"),
            ("fail", $"may not patch apisixroutes.apisix.apache.org in namespace {s.Namespace} (setWeight writes the weights)"),
            ("fail", $"may not create apisixroutes.apisix.apache.org in namespace {s.Namespace} (header and mirror steps create the managed routes)"),
            ("fail", $"may not delete apisixroutes.apisix.apache.org in namespace {s.Namespace} (managed routes are deleted at the end of a rollout)"),
            ("warn", $"may not create events in namespace {s.Namespace} (the plugin records Events on the Rollout; routing works without them)"),
        ], permissions.Select(p => (p.Status, p.Message.Split("; grant it")[0])));
        var config = Assert.Single(report.General(), f => f.Check == "controller-config");
        Assert.Equal("warn", config.Status);
        Assert.Contains($"missing permission: get configmaps in namespace {s.ControllerNamespace}", config.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_list_rollouts_it_names_the_permission_and_with_rollout_given_it_reads_that_one_with_get()
    {
        var s = await CreateAsync(fx);
        await s.CreateRouteAsync();
        await s.CreateRolloutAsync();
        // Everything the check and the sidecar need, but get on Rollouts only.
        await s.GrantCheckAsync(KubeUsers.SomeoneElse, "get");
        var ns = s.Namespace;

        var (listed, listedReport) = await CheckRun.JsonAsync(s.Args(KubeUsers.SomeoneElse));
        var (named, namedReport) = await CheckRun.JsonAsync(s.Args(KubeUsers.SomeoneElse, "--rollout", RolloutName));

        Assert.Equal(1, listed.ExitCode);
        var refused = Assert.Single(listedReport.Failed());
        Assert.Equal("rollouts", refused.Check);
        Assert.StartsWith($"cannot list Rollouts in namespace {ns}: missing permission: list rollouts.argoproj.io in namespace {ns} (HTTP 403:", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith("with --rollout NAME one Rollout is read with get instead", refused.Message, StringComparison.Ordinal);
        // What it can still check: the sidecar's permissions in the namespace given, and the registration.
        Assert.Contains(listedReport.General(), f => f.Check == "permission" && f.Status == "pass");
        Assert.Contains(listedReport.General(), f => f.Check == "controller-config" && f.Status == "pass");

        Assert.True(named.ExitCode == 0, named.Output);
        Assert.All(namedReport.All(), f => Assert.Equal("pass", f.Status));
        Assert.NotEmpty(namedReport.Rollout(ns, RolloutName));
    }
}
