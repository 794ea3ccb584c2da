using System.Text.Json.Nodes;
using ApisixPlugin.Deploy.Tests.Support;

namespace ApisixPlugin.Deploy.Tests.Rendering;

/// <summary>
/// The rendered RBAC grants exactly what the sidecar calls, to the controller's ServiceAccount:
/// added to the controller's own ClusterRole (cluster-wide), or as a Role of its namespace.
/// </summary>
public sealed class RenderedRbacTests
{
    private static readonly SeedInstall Seed = new();

    [Theory]
    [InlineData(RenderedInstall.Variants.Native)]
    [InlineData(RenderedInstall.Variants.Plain)]
    public async Task The_controllers_cluster_role_gains_exactly_the_plugins_calls_and_nothing_more(string variant)
    {
        var install = await RenderedInstall.RenderAsync(variant);

        var added = install.AddedControllerRules(Seed.ControllerRole);

        Assert.Equal(DeployNames.PluginPermissions.Order(), RbacRules.Flatten(new JsonObject { ["rules"] = added }).Order());
        // The controller's own rules stay, first and unchanged.
        var rules = install.Single("ClusterRole", DeployNames.ControllerRole)["rules"]!.AsArray();
        Assert.True(JsonNode.DeepEquals(Seed.ControllerRole["rules"], new JsonArray([.. rules.Take(rules.Count - added.Count).Select(r => r!.DeepClone())])));
        Assert.DoesNotContain("*", install.Yaml.Split('\n').Select(line => line.Trim().TrimStart('-').Trim()));
    }

    [Theory]
    [InlineData(RenderedInstall.Variants.Native)]
    [InlineData(RenderedInstall.Variants.Plain)]
    public async Task The_plugin_adds_no_binding_of_its_own_so_the_controllers_binding_is_the_only_one(string variant)
    {
        var install = await RenderedInstall.RenderAsync(variant);

        var binding = Assert.Single(install.Objects, o => o.Str("kind") == "ClusterRoleBinding");
        Assert.True(JsonNode.DeepEquals(Seed.Objects.Single(o => o.Str("kind") == "ClusterRoleBinding"), binding));
        Assert.Null(install.Find("Role", DeployNames.RbacName));
    }

    [Theory]
    [InlineData(RenderedInstall.Variants.Namespaced)]
    [InlineData(RenderedInstall.Variants.NamespacedPlain)]
    public async Task The_namespaced_variants_have_a_role_with_the_same_rules_and_no_cluster_scoped_grant(string variant)
    {
        var install = await RenderedInstall.RenderAsync(variant);

        // Combined with plain-container too: nothing is added to the controller's ClusterRole.
        Assert.Empty(install.AddedControllerRules(Seed.ControllerRole));
        var role = install.Single("Role", DeployNames.RbacName);
        Assert.Equal(DeployNames.Namespace, role.Path("metadata", "namespace")?.GetValue<string>());
        Assert.Equal(DeployNames.PluginPermissions.Order(), RbacRules.Flatten(role).Order());

        var binding = install.Single("RoleBinding", DeployNames.RbacName);
        Assert.Equal(DeployNames.Namespace, binding.Path("metadata", "namespace")?.GetValue<string>());
        Assert.Equal(("Role", DeployNames.RbacName), (binding.Path("roleRef", "kind")?.GetValue<string>(), binding.Path("roleRef", "name")?.GetValue<string>()));
        var subject = Assert.Single(binding["subjects"]!.AsArray())!;
        // No namespace: a RoleBinding's subject then means the binding's own namespace.
        Assert.Equal(("ServiceAccount", DeployNames.ServiceAccount, null), (subject.Str("kind"), subject.Str("name"), subject.Str("namespace")));
    }

    [Theory]
    [InlineData(RenderedInstall.Variants.Native, new[] { "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "ServiceAccount" })]
    [InlineData(RenderedInstall.Variants.Plain, new[] { "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "ServiceAccount" })]
    [InlineData(RenderedInstall.Variants.Namespaced, new[] { "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "Role", "RoleBinding", "ServiceAccount" })]
    [InlineData(RenderedInstall.Variants.NamespacedPlain, new[] { "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "Role", "RoleBinding", "ServiceAccount" })]
    public async Task Each_variant_adds_only_its_objects_all_in_the_argo_rollouts_namespace(string variant, string[] kinds)
    {
        var install = await RenderedInstall.RenderAsync(variant);

        // The seed's own ClusterRole and binding are there in every variant; the registration's
        // carrier ConfigMap is not.
        Assert.Equal(kinds, install.Objects.Select(o => o.Str("kind")!).Order(StringComparer.Ordinal));
        foreach (var namespaced in install.Objects.Where(o => !o.Str("kind")!.StartsWith("Cluster", StringComparison.Ordinal)))
        {
            Assert.Equal(DeployNames.Namespace, namespaced.Path("metadata", "namespace")?.GetValue<string>());
        }
    }
}
