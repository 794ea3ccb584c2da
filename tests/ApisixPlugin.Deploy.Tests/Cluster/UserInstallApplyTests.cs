using System.Text.Json.Nodes;
using ApisixPlugin.Deploy.Tests.Support;
using ApisixPlugin.Testing;
using ApisixPlugin.Testing.Cluster;

namespace ApisixPlugin.Deploy.Tests.Cluster;

/// <summary>
/// The "no silent traps" renders (Rendering/UserInstallTests, InstallableOverlayTests) applied to
/// the real kube-apiserver: the installable overlay over the real upstream install in another
/// namespace, the namespaced and plain-container variants combined, a pod with containers of the
/// user's, another plugin already registered. Plain-container variants only: v1.20 has no native
/// sidecars (InstallApplyTests).
/// </summary>
[Collection(DeployKubeCollection.Name)]
public sealed class UserInstallApplyTests(KubeClusterFixture cluster)
{
    [Fact]
    public async Task The_installable_overlay_over_the_real_upstream_install_in_another_namespace_grants_the_plugin_to_the_controller_there()
    {
        // v1.8.3: the upstream install the v1.20 test server accepts (shared/upstream/SOURCE.md).
        using var overlay = InstallableOverlay.Prepare("v1.8.3");
        var apply = await ClusterApply.InNewNamespaceAsync(cluster);
        var elsewhere = await cluster.CreateNamespaceAsync("routes");
        await File.WriteAllTextAsync(Path.Combine(overlay.Work.Path, "kustomization.yaml"), $"""
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            namespace: {apply.Namespace}
            resources:
              - {overlay.Work.Relative(overlay.Overlay("overlays/plain-container"))}

            """ + UserInstalls.ControllerBindingFollowsNamespace);
        var install = await RenderedInstall.RenderDirectoryAsync("user", overlay.Work.Path);

        // The CRDs are cluster-wide and shared by the suite; everything else lands for real.
        foreach (var rendered in install.Objects.Where(o => o.Str("kind") != "CustomResourceDefinition"))
        {
            (await apply.ApplyAsync(apply.Relocate(rendered, keepSubjects: true), dryRun: false)).EnsureSuccess();
        }

        var live = await apply.GetAsync("deployment", DeployNames.Deployment);
        Assert.Equal([DeployNames.ControllerContainer, DeployNames.Sidecar],
            live.Path("spec", "template", "spec", "containers")!.AsArray().Select(c => c!.Str("name")));
        foreach (var call in DeployNames.PluginPermissions)
        {
            Assert.True(await apply.ServiceAccountMayAsync(apply.Namespace, DeployNames.ServiceAccount, call, elsewhere), $"{call} denied");
            // Not vacuous: the same account in argo-rollouts, which the install no longer binds, may not.
            Assert.False(await apply.ServiceAccountMayAsync(DeployNames.Namespace, DeployNames.ServiceAccount, call, elsewhere), $"{call} allowed in argo-rollouts");
        }
    }

    [Fact]
    public async Task The_namespaced_and_plain_container_variants_combined_land_and_grant_their_namespace_only()
    {
        var apply = await ClusterApply.InNewNamespaceAsync(cluster);
        var elsewhere = await cluster.CreateNamespaceAsync("routes");
        await apply.SeedArgoRolloutsAsync();
        var install = await RenderedInstall.RenderAsync(RenderedInstall.Variants.NamespacedPlain);

        foreach (var rendered in install.Objects)
        {
            // keepSubjects: the RoleBinding's subject names no namespace, and must work without one.
            (await apply.ApplyAsync(apply.Relocate(rendered, keepSubjects: true), dryRun: false)).EnsureSuccess();
        }

        var pod = (await apply.GetAsync("deployment", DeployNames.Deployment)).Path("spec", "template", "spec")!;
        Assert.Equal([DeployNames.ControllerContainer, DeployNames.Sidecar], pod["containers"]!.AsArray().Select(c => c!.Str("name")));
        foreach (var call in DeployNames.PluginPermissions)
        {
            Assert.True(await apply.ServiceAccountMayAsync(apply.Namespace, DeployNames.ServiceAccount, call, apply.Namespace), $"{call} denied at home");
            Assert.False(await apply.ServiceAccountMayAsync(apply.Namespace, DeployNames.ServiceAccount, call, elsewhere), $"{call} allowed elsewhere");
        }
    }

    [Fact]
    public async Task A_pod_with_the_users_containers_and_a_registered_gateway_api_plugin_keeps_both_on_the_server()
    {
        var apply = await ClusterApply.InNewNamespaceAsync(cluster);
        var users = UserInstalls.AddGatewayApiPlugin(UserInstalls.WithUserContainers);
        foreach (var seed in Yaml.ParseDocuments(users))
        {
            (await apply.ApplyAsync(apply.Relocate(seed), dryRun: false)).EnsureSuccess();
        }

        var install = await RenderedInstall.RenderOverAsync(RenderedInstall.Variants.Plain, users);
        foreach (var rendered in install.Objects)
        {
            (await apply.ApplyAsync(apply.Relocate(rendered), dryRun: false)).EnsureSuccess();
        }

        var pod = (await apply.GetAsync("deployment", DeployNames.Deployment)).Path("spec", "template", "spec")!;
        Assert.Equal([DeployNames.ControllerContainer, UserInstalls.UserContainer, DeployNames.Sidecar],
            pod["containers"]!.AsArray().Select(c => c!.Str("name")));
        Assert.Contains(UserInstalls.UserInitContainer, pod["initContainers"]!.AsArray().Select(c => c!.Str("name")));
        Assert.Contains(UserInstalls.UserVolume, pod["volumes"]!.AsArray().Select(v => v!.Str("name")));
        var plugins = (await apply.GetAsync("configmap", DeployNames.ConfigMap)).Path("data", "trafficRouterPlugins")!.GetValue<string>();
        var names = Yaml.ParseSingle("list:\n" + string.Join('\n', plugins.Split('\n').Select(l => "  " + l)))["list"]!.AsArray().Select(e => e!.Str("name"));
        Assert.Equal([UserInstalls.GatewayApiName, DeployNames.PluginName], names);
    }

    [Fact]
    public async Task Kubectl_apply_k_of_a_component_folder_fails_and_creates_nothing()
    {
        var apply = await ClusterApply.InNewNamespaceAsync(cluster);

        var result = await Kubectl.RunAsync(
            ["--kubeconfig", cluster.KubeconfigFor(KubeUsers.Admin), "apply", "-n", apply.Namespace, "-k", DeployPaths.Kustomize("components/apisix-plugin")]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("nothing selected by", result.StdErr, StringComparison.Ordinal);
        var roles = await Kubectl.RunAsync(["--kubeconfig", cluster.KubeconfigFor(KubeUsers.Admin), "get", "roles,configmaps,deployments", "-n", apply.Namespace, "-o", "name"]);
        Assert.DoesNotContain("argo-rollouts", roles.EnsureSuccess().StdOut, StringComparison.Ordinal);
    }
}
