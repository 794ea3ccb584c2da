namespace ApisixPlugin.Contracts;

/// <summary>
/// Values the bridge and the sidecar must agree on when nobody configures them: deploy/ names the
/// same socket and plugin name, and the controller's own defaults name the Rollout's kind.
/// </summary>
public static class PluginDefaults
{
    /// <summary>The Unix socket in the emptyDir the controller's container and the sidecar share.</summary>
    public const string SocketPath = "/run/apisix-plugin/sidecar.sock";

    /// <summary>The key under the Rollout's <c>trafficRouting.plugins</c> and in <c>argo-rollouts-config</c>.</summary>
    public const string PluginName = "apisixplugin/apisix";

    /// <summary>What the controller's Rollout objects are, for Events and ownerReferences when a caller leaves them out.</summary>
    public const string RolloutApiVersion = "argoproj.io/v1alpha1";

    public const string RolloutKind = "Rollout";
}

/// <summary>Response trailers the sidecar sets, which the bridge reads.</summary>
public static class SidecarTrailers
{
    /// <summary>
    /// On every failure the sidecar itself answers with: the status and message are its verdict
    /// (about the Rollout, a route or the API server), not a failure to reach the sidecar.
    /// </summary>
    public const string Answered = "apisix-plugin-answered";
}
