using ApisixPlugin.Deploy.Tests.Support;

namespace ApisixPlugin.Deploy.Tests.Rendering;

/// <summary>The rendered RBAC grants exactly what the sidecar calls, to the controller's ServiceAccount.</summary>
public sealed class RenderedRbacTests
{
    [Fact]
    public async Task The_cluster_role_grants_exactly_the_plugins_calls_and_nothing_more()
    {
        var install = await RenderedInstall.RenderAsync("base");

        var role = install.Single("ClusterRole", DeployNames.RbacName);

        Assert.Equal(DeployNames.PluginPermissions.Order(), RbacRules.Flatten(role).Order());
        Assert.DoesNotContain("*", install.Yaml.Split('\n').Select(line => line.Trim().TrimStart('-').Trim()));
    }

    [Fact]
    public async Task The_cluster_role_is_bound_to_the_controllers_service_account_only()
    {
        var install = await RenderedInstall.RenderAsync("base");

        var binding = install.Single("ClusterRoleBinding", DeployNames.RbacName);

        Assert.Equal("ClusterRole", binding.Path("roleRef", "kind")?.GetValue<string>());
        Assert.Equal(DeployNames.RbacName, binding.Path("roleRef", "name")?.GetValue<string>());
        var subject = Assert.Single(binding["subjects"]!.AsArray())!;
        Assert.Equal(("ServiceAccount", DeployNames.ServiceAccount, DeployNames.Namespace),
            (subject.Str("kind"), subject.Str("name"), subject.Str("namespace")));
    }

    [Fact]
    public async Task The_namespaced_variant_has_a_role_with_the_same_rules_and_no_cluster_scoped_grant()
    {
        var install = await RenderedInstall.RenderAsync("overlays/namespaced");

        Assert.Null(install.Find("ClusterRole", DeployNames.RbacName));
        Assert.Null(install.Find("ClusterRoleBinding", DeployNames.RbacName));
        var role = install.Single("Role", DeployNames.RbacName);
        Assert.Equal(DeployNames.Namespace, role.Path("metadata", "namespace")?.GetValue<string>());
        Assert.Equal(DeployNames.PluginPermissions.Order(), RbacRules.Flatten(role).Order());

        var binding = install.Single("RoleBinding", DeployNames.RbacName);
        Assert.Equal(DeployNames.Namespace, binding.Path("metadata", "namespace")?.GetValue<string>());
        Assert.Equal(("Role", DeployNames.RbacName), (binding.Path("roleRef", "kind")?.GetValue<string>(), binding.Path("roleRef", "name")?.GetValue<string>()));
        var subject = Assert.Single(binding["subjects"]!.AsArray())!;
        Assert.Equal(("ServiceAccount", DeployNames.ServiceAccount, DeployNames.Namespace),
            (subject.Str("kind"), subject.Str("name"), subject.Str("namespace")));
    }

    [Theory]
    [InlineData("base", new[] { "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "ServiceAccount" })]
    [InlineData("overlays/plain-container", new[] { "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "ServiceAccount" })]
    [InlineData("overlays/namespaced", new[] { "ConfigMap", "Deployment", "Role", "RoleBinding", "ServiceAccount" })]
    public async Task Each_variant_adds_only_its_objects_all_in_the_argo_rollouts_namespace(string variant, string[] kinds)
    {
        var install = await RenderedInstall.RenderAsync(variant);

        Assert.Equal(kinds, install.Objects.Select(o => o.Str("kind")!).Order(StringComparer.Ordinal));
        foreach (var namespaced in install.Objects.Where(o => !o.Str("kind")!.StartsWith("Cluster", StringComparison.Ordinal)))
        {
            Assert.Equal(DeployNames.Namespace, namespaced.Path("metadata", "namespace")?.GetValue<string>());
        }
    }
}
