namespace ApisixPlugin.Deploy.Tests.Support;

/// <summary>The names deploy/ promises; the lead's code and the docs rely on them too.</summary>
internal static class DeployNames
{
    public const string Namespace = "argo-rollouts";
    public const string Deployment = "argo-rollouts";
    public const string ServiceAccount = "argo-rollouts";
    public const string ConfigMap = "argo-rollouts-config";
    public const string ControllerContainer = "argo-rollouts";
    public const string InstallStep = "install-apisix-plugin";
    public const string Sidecar = "apisix-plugin";
    /// <summary>The namespaced variant's Role and RoleBinding.</summary>
    public const string RbacName = "argo-rollouts-apisix-plugin";

    /// <summary>The controller's own ClusterRole (and its binding), to which the cluster-wide variant adds the plugin's rules.</summary>
    public const string ControllerRole = "argo-rollouts";
    public const string PluginName = "apisixplugin/apisix";
    public const string Image = "ghcr.io/apisixplugin/apisix-plugin";
    public const string BridgeInImage = "/bridge/apisix-plugin-bridge";
    public const string BridgeFileName = "apisix-plugin-bridge";
    public const string SidecarFileName = "apisix-plugin";
    public const string SidecarInImage = "/app/apisix-plugin";

    /// <summary>The containers the plugin adds to the controller pod.</summary>
    public static IReadOnlyList<string> AddedContainers { get; } = [InstallStep, Sidecar];

    /// <summary>(apiGroup, resource, verb) the sidecar calls; nothing else may be granted.</summary>
    public static IReadOnlySet<(string Group, string Resource, string Verb)> PluginPermissions { get; } =
        new[] { "get", "list", "patch", "create", "delete" }
            .Select(verb => ("apisix.apache.org", "apisixroutes", verb))
            .Append(("", "events", "create"))
            .ToHashSet();
}
