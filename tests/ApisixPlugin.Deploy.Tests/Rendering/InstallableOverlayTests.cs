using System.Text.Json.Nodes;
using ApisixPlugin.Deploy.Tests.Support;

namespace ApisixPlugin.Deploy.Tests.Rendering;

/// <summary>
/// `kubectl apply -k deploy/kustomize/base` (or overlays/plain-container) installs Argo Rollouts
/// with the plugin as it is; a Component folder applied on its own fails instead of silently
/// applying a fragment. Rendered with the real kubectl, the remote upstream install replaced by the
/// local copy of the same file.
/// </summary>
public sealed class InstallableOverlayTests
{
    [Fact]
    public void Base_pins_the_upstream_install_the_tests_hold_a_copy_of_and_the_controller_image_of_that_release()
    {
        var version = InstallableOverlay.PinnedVersion();

        // shared/upstream/SOURCE.md: the folder holds that tag's manifests/install.yaml, unmodified.
        var source = File.ReadAllLines(DeployPaths.Upstream("SOURCE.md"))
            .Single(line => line.StartsWith($"| `argo-rollouts-{version}/`", StringComparison.Ordinal));
        Assert.Contains($"tag `{version}`", source, StringComparison.Ordinal);
        Assert.Contains("`manifests/install.yaml`", source, StringComparison.Ordinal);
        Assert.True(File.Exists(DeployPaths.Upstream($"argo-rollouts-{version}/install.yaml")));

        var kustomization = Yaml.LoadFile(Path.Combine(DeployPaths.Kustomize("base"), "kustomization.yaml")).Single();
        var pin = Assert.Single(kustomization["images"]!.AsArray(), i => i!.Str("name") == "quay.io/argoproj/argo-rollouts")!;
        Assert.Equal(version, pin.Str("newTag"));
    }

    [Theory]
    [InlineData("base", false)]
    [InlineData("overlays/plain-container", true)]
    public async Task The_installable_overlay_renders_the_whole_upstream_install_with_the_plugin(string overlay, bool plain)
    {
        var version = InstallableOverlay.PinnedVersion();
        using var copy = InstallableOverlay.Prepare();
        var upstream = Yaml.LoadFile(DeployPaths.Upstream($"argo-rollouts-{version}/install.yaml"));

        var install = await RenderedInstall.RenderDirectoryAsync(overlay, copy.Overlay(overlay));

        // Every upstream object, and nothing else (the registration's carrier is gone).
        Assert.Equal(upstream.Select(Id).Order(StringComparer.Ordinal), install.Objects.Select(Id).Order(StringComparer.Ordinal));
        Assert.All(install.Objects.Where(o => o.Str("kind") is not ("CustomResourceDefinition" or "ClusterRole" or "ClusterRoleBinding")),
            o => Assert.Equal(DeployNames.Namespace, o.Path("metadata", "namespace")?.GetValue<string>()));
        Assert.Equal($"quay.io/argoproj/argo-rollouts:{version}", install.Container(DeployNames.ControllerContainer).Str("image"));

        var upstreamRole = upstream.Single(o => o.Str("kind") == "ClusterRole" && o.Path("metadata", "name")!.GetValue<string>() == DeployNames.ControllerRole);
        Assert.Equal(DeployNames.PluginPermissions.Order(),
            RbacRules.Flatten(new JsonObject { ["rules"] = install.AddedControllerRules(upstreamRole) }).Order());
        Assert.Equal(DeployNames.PluginName, Assert.Single(RenderedPodTests.RegisteredPlugins(install))!.Str("name"));

        Assert.Equal(plain ? [DeployNames.InstallStep] : [DeployNames.InstallStep, DeployNames.Sidecar],
            install.InitContainers.Select(c => c!.Str("name")));
        Assert.Equal(plain ? [DeployNames.ControllerContainer, DeployNames.Sidecar] : [DeployNames.ControllerContainer],
            install.Containers.Select(c => c!.Str("name")));
    }

    [Theory]
    [InlineData("components/apisix-plugin", "argo-rollouts-config")]
    [InlineData("components/apisix-plugin-namespaced", "argo-rollouts-config")]
    [InlineData("components/plain-container", "initContainers.[name=apisix-plugin]")]
    [InlineData("components/common", "argo-rollouts-config")]
    public async Task A_component_applied_on_its_own_fails_loudly_instead_of_applying_a_fragment(string component, string named)
    {
        // What `kubectl apply -k <folder>` runs first; it stops there, before any API call.
        var result = await Kubectl.RunAsync(["kustomize", DeployPaths.Kustomize(component)]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal("", result.StdOut);
        Assert.Contains("nothing selected by", result.StdErr, StringComparison.Ordinal);
        Assert.Contains(named, result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cluster_wide_component_over_a_namespaced_install_without_the_controllers_cluster_role_fails_loudly()
    {
        var withoutClusterRbac = string.Join("\n---\n", ArgoRolloutsSeed.Yaml.Split("\n---\n")
            .Where(doc => !doc.Contains("kind: ClusterRole", StringComparison.Ordinal)));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            RenderedInstall.RenderOverAsync(RenderedInstall.Variants.Native, withoutClusterRbac));

        Assert.Contains("nothing selected by ClusterRole", error.Message, StringComparison.Ordinal);
    }

    private static string Id(JsonObject o) =>
        $"{o.Str("kind")}/{o.Path("metadata", "name")!.GetValue<string>()}";
}
