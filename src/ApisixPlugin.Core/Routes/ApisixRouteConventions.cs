namespace ApisixPlugin.Core.Routes;

/// <summary>The resource's coordinates and the marks this plugin leaves on what it writes.</summary>
public static class ApisixRouteConventions
{
    public const string Group = "apisix.apache.org";
    public const string Version = "v2";
    public const string ApiVersion = Group + "/" + Version;
    public const string Kind = "ApisixRoute";
    public const string Plural = "apisixroutes";

    /// <summary>On managed (header and mirror) routes: who manages them.</summary>
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";

    public const string ManagedByValue = "apisix-plugin";

    /// <summary>On managed routes: "namespace/name/uid" of the owning Rollout (ownerReferences cannot cross namespaces).</summary>
    public const string OwnerAnnotation = "rollouts.apisixplugin.io/owner";

    /// <summary>On managed routes: "header" or "mirror", the step that made it.</summary>
    public const string ManagedKindAnnotation = "rollouts.apisixplugin.io/managed-kind";

    /// <summary>
    /// On source routes: the experiment backends this plugin added, per rule, as JSON
    /// <c>{"rule": ["service", ...]}</c>. It is how a later step tells its own backends, which it
    /// may remove, from backends someone else added, which it must leave alone.
    /// </summary>
    public const string AddedBackendsAnnotation = "rollouts.apisixplugin.io/added-backends";

    /// <summary>
    /// On source routes in another namespace than the Rollout's: the namespaces whose Rollouts may
    /// steer the route, comma-separated, or <c>*</c> (see <see cref="Access.RouteNamespacePolicy"/>).
    /// </summary>
    public const string AllowRolloutsFromAnnotation = "rollouts.apisixplugin.io/allow-rollouts-from";
}
