using System.Net;
using System.Text.Json.Nodes;
using ApisixPlugin.Deploy.Tests.Support;
using ApisixPlugin.Testing;
using ApisixPlugin.Testing.Cluster;
using k8s;
using k8s.Models;

namespace ApisixPlugin.Deploy.Tests.Cluster;

/// <summary>
/// The rules the plugin adds to the controller's ClusterRole (and the namespaced variant's Role) bound to a token user that has
/// nothing else: every call the plugin makes is allowed, anything beyond it is forbidden.
/// </summary>
[Collection(DeployKubeCollection.Name)]
public sealed class RbacTests(KubeClusterFixture cluster)
{
    /// <summary>Writes the plugin never makes, each of which must be refused.</summary>
    private static readonly (string Group, string Resource, string Verb)[] NotGranted =
    [
        ("apisix.apache.org", "apisixroutes", "update"),
        ("apisix.apache.org", "apisixroutes", "watch"),
        ("apisix.apache.org", "apisixroutes", "deletecollection"),
        ("apisix.apache.org", "apisixroutes/status", "patch"),
        ("apisix.apache.org", "apisixupstreams", "create"),
        ("apisix.apache.org", "apisixpluginconfigs", "patch"),
        ("", "configmaps", "create"),
        ("", "services", "patch"),
        ("", "secrets", "get"),
        ("", "events", "patch"),
        ("", "events", "delete"),
        ("events.k8s.io", "events", "create"),
        ("apps", "deployments", "patch"),
        ("argoproj.io", "rollouts", "patch"),
    ];

    [Fact]
    public async Task The_cluster_role_lets_the_plugin_make_every_call_it_makes_in_any_namespace()
    {
        var ns = await cluster.CreateNamespaceAsync("rbac-apps");
        await using var grant = await BindClusterRoleAsync();
        var plugin = new PluginCalls(cluster.ClientFor(KubeUsers.Plugin));

        foreach (var (group, resource, verb) in DeployNames.PluginPermissions)
        {
            Assert.True(await plugin.MayAsync(group, resource, verb, ns), $"{verb} {resource}.{group} denied");
        }

        await plugin.RunAllAsync(ns);
    }

    [Fact]
    public async Task The_cluster_role_forbids_every_other_write_and_verb()
    {
        var ns = await cluster.CreateNamespaceAsync("rbac-other");
        await using var grant = await BindClusterRoleAsync();
        var client = cluster.ClientFor(KubeUsers.Plugin);
        var plugin = new PluginCalls(client);

        foreach (var (group, resource, verb) in NotGranted)
        {
            Assert.False(await plugin.MayAsync(group, resource, verb, ns), $"{verb} {resource}.{group} allowed");
        }

        // And for real: a write to another kind, and a full update of a route, are refused.
        var configMap = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "not-mine" } };
        Assert.Equal(HttpStatusCode.Forbidden, await PluginCalls.StatusOfAsync(() => client.CoreV1.CreateNamespacedConfigMapAsync(configMap, ns)));
        var route = Yaml.LoadFile(DeployPaths.Example("apisixroute.yaml")).Single();
        var created = await cluster.ApisixRoutes.CreateAsync(ns, route);
        Assert.Equal(HttpStatusCode.Forbidden, await PluginCalls.StatusOfAsync(() => client.CustomObjects.ReplaceNamespacedCustomObjectAsync(
            created, "apisix.apache.org", "v2", ns, "apisixroutes", created.Path("metadata", "name")!.GetValue<string>())));
    }

    [Fact]
    public async Task The_namespaced_role_allows_the_plugins_calls_in_its_namespace_and_nothing_elsewhere()
    {
        var home = await cluster.CreateNamespaceAsync("rbac-home");
        var elsewhere = await cluster.CreateNamespaceAsync("rbac-elsewhere");
        var install = await RenderedInstall.RenderAsync(RenderedInstall.Variants.Namespaced);
        var role = install.Single("Role", DeployNames.RbacName).DeepClone().AsObject();
        role["metadata"]!["namespace"] = home;
        var apply = new ClusterApply(cluster, home);
        (await apply.ApplyAsync(role, dryRun: false)).EnsureSuccess();
        await cluster.Admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(
            new V1RoleBinding
            {
                Metadata = new V1ObjectMeta { Name = "plugin-user" },
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = DeployNames.RbacName },
                Subjects = [new Rbacv1Subject { Kind = "User", Name = KubeUsers.Plugin, ApiGroup = "rbac.authorization.k8s.io" }],
            },
            home);
        await cluster.WaitUntilAuthorizedAsync(KubeUsers.Plugin, home, DeployNames.PluginPermissions, allowed: true);
        var plugin = new PluginCalls(cluster.ClientFor(KubeUsers.Plugin));

        await plugin.RunAllAsync(home);
        foreach (var (group, resource, verb) in DeployNames.PluginPermissions)
        {
            Assert.False(await plugin.MayAsync(group, resource, verb, elsewhere), $"{verb} {resource}.{group} allowed outside {home}");
        }

        Assert.Equal(HttpStatusCode.Forbidden, await PluginCalls.StatusOfAsync(() => plugin.RunAllAsync(elsewhere)));
    }

    /// <summary>The rules the rendered install adds to the controller's ClusterRole, as a ClusterRole of this test's, bound to the plugin token user until disposed.</summary>
    private async Task<ClusterGrant> BindClusterRoleAsync()
    {
        var install = await RenderedInstall.RenderAsync(RenderedInstall.Variants.Native);
        var name = $"{DeployNames.RbacName}-{Guid.NewGuid():N}";
        var role = new JsonObject
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1",
            ["kind"] = "ClusterRole",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["rules"] = install.AddedControllerRules(new SeedInstall().ControllerRole),
        };
        var apply = new ClusterApply(cluster, "default");
        (await apply.ApplyAsync(role, dryRun: true)).EnsureSuccess();
        (await apply.ApplyAsync(role, dryRun: false)).EnsureSuccess();
        await cluster.Admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = name },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = name },
            Subjects = [new Rbacv1Subject { Kind = "User", Name = KubeUsers.Plugin, ApiGroup = "rbac.authorization.k8s.io" }],
        });
        await cluster.WaitUntilAuthorizedAsync(KubeUsers.Plugin, "default", DeployNames.PluginPermissions, allowed: true);
        return new ClusterGrant(cluster, name);
    }

    /// <summary>Removes the binding, so the plugin user has nothing again for the next test.</summary>
    private sealed class ClusterGrant(KubeClusterFixture cluster, string name) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await cluster.Admin.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(name);
            await cluster.Admin.RbacAuthorizationV1.DeleteClusterRoleAsync(name);
            await cluster.WaitUntilAuthorizedAsync(KubeUsers.Plugin, "default", DeployNames.PluginPermissions, allowed: false);
        }
    }
}
