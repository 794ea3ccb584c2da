using System.Text.Json.Nodes;
using ApisixPlugin.Deploy.Tests.Support;

namespace ApisixPlugin.Deploy.Tests.Rendering;

/// <summary>
/// The plugin added to installs the way users have them: another plugin already registered, a pod
/// with containers of their own, another namespace. Nothing of theirs is lost, and the plugin's
/// permissions reach the controller wherever it runs.
/// </summary>
public sealed class UserInstallTests
{
    public static TheoryData<string> Variants => [.. RenderedInstall.Variants.All];

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task A_registered_gateway_api_plugin_is_kept_and_the_plugin_appended_after_it(string variant)
    {
        var install = await RenderedInstall.RenderOverAsync(variant, UserInstalls.WithGatewayApiPlugin);

        var entries = RenderedPodTests.RegisteredPlugins(install);

        Assert.Equal([UserInstalls.GatewayApiName, DeployNames.PluginName], entries.Select(e => e.Str("name")));
        Assert.True(JsonNode.DeepEquals(
            new JsonObject { ["name"] = UserInstalls.GatewayApiName, ["location"] = UserInstalls.GatewayApiLocation }, entries[0]));
        var seedConfig = new SeedInstall().Objects.Single(o => o.Str("kind") == "ConfigMap");
        Assert.Equal(seedConfig.Path("data", "metricProviderPlugins")!.GetValue<string>(),
            install.Single("ConfigMap", DeployNames.ConfigMap).Path("data", "metricProviderPlugins")!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task The_users_own_containers_init_containers_and_volumes_stay_and_the_plugins_are_added(string variant)
    {
        var plain = variant.EndsWith("+plain-container", StringComparison.Ordinal);

        var install = await RenderedInstall.RenderOverAsync(variant, UserInstalls.WithUserContainers);

        // plain-container appends the sidecar after every container, whatever their number.
        Assert.Equal(plain
                ? [DeployNames.ControllerContainer, UserInstalls.UserContainer, DeployNames.Sidecar]
                : [DeployNames.ControllerContainer, UserInstalls.UserContainer],
            install.Containers.Select(c => c!.Str("name")));
        // The merge puts the plugin's init steps first; the user's keep their own order after them.
        Assert.Equal(plain
                ? [DeployNames.InstallStep, UserInstalls.UserInitContainer]
                : [DeployNames.InstallStep, DeployNames.Sidecar, UserInstalls.UserInitContainer],
            install.InitContainers.Select(c => c!.Str("name")));
        Assert.Equal(["apisix-plugin-bin", "apisix-plugin-socket", "apisix-plugin-tmp", "plugin-bin", UserInstalls.UserVolume, "tmp"],
            install.PodSpec["volumes"]!.AsArray().Select(v => v!.Str("name")!).Order(StringComparer.Ordinal));
        Assert.Equal("/buffer", install.MountPath(UserInstalls.UserContainer, UserInstalls.UserVolume));
        Assert.Equal(plain ? null : "Always", install.Container(DeployNames.Sidecar).Str("restartPolicy"));
    }

    [Theory]
    [InlineData(RenderedInstall.Variants.Native)]
    [InlineData(RenderedInstall.Variants.Plain)]
    public async Task In_another_namespace_the_plugins_rules_reach_the_controllers_service_account_there(string variant)
    {
        const string Elsewhere = "team-rollouts";

        var install = await RenderedInstall.RenderAsync(variant, $"namespace: {Elsewhere}\n" + UserInstalls.ControllerBindingFollowsNamespace);

        Assert.Equal(DeployNames.PluginPermissions.Order(), GrantedTo(install, Elsewhere, DeployNames.ServiceAccount).Order());
        Assert.Empty(GrantedTo(install, DeployNames.Namespace, DeployNames.ServiceAccount));
    }

    [Theory]
    [InlineData(RenderedInstall.Variants.Namespaced)]
    [InlineData(RenderedInstall.Variants.NamespacedPlain)]
    public async Task In_another_namespace_the_namespaced_role_and_its_binding_move_with_the_install(string variant)
    {
        const string Elsewhere = "team-rollouts";

        var install = await RenderedInstall.RenderAsync(variant, $"namespace: {Elsewhere}\n");

        foreach (var kind in new[] { "Role", "RoleBinding" })
        {
            Assert.Equal(Elsewhere, install.Single(kind, DeployNames.RbacName).Path("metadata", "namespace")?.GetValue<string>());
        }

        // The subject names no namespace in the component; `namespace:` fills in its own.
        var subject = Assert.Single(install.Single("RoleBinding", DeployNames.RbacName)["subjects"]!.AsArray())!;
        Assert.Equal(Elsewhere, subject.Str("namespace"));
        Assert.Empty(install.AddedControllerRules(new SeedInstall().ControllerRole));
    }

    /// <summary>The plugin's permissions among the ClusterRole rules bound to ServiceAccount ns/name.</summary>
    private static HashSet<(string, string, string)> GrantedTo(RenderedInstall install, string ns, string name)
    {
        var granted = new HashSet<(string, string, string)>();
        foreach (var binding in install.Objects.Where(o => o.Str("kind") == "ClusterRoleBinding"))
        {
            var subjects = binding["subjects"]!.AsArray().OfType<JsonObject>();
            if (!subjects.Any(s => s.Str("kind") == "ServiceAccount" && s.Str("name") == name && s.Str("namespace") == ns))
            {
                continue;
            }

            var role = install.Single("ClusterRole", binding.Path("roleRef", "name")!.GetValue<string>());
            granted.UnionWith(RbacRules.Flatten(role).Where(DeployNames.PluginPermissions.Contains));
        }

        return granted;
    }
}
