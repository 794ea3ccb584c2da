namespace ApisixPlugin.Deploy.Tests.Support;

/// <summary>
/// Installs as users have them, for the "no silent traps" tests: the seed (<see cref="ArgoRolloutsSeed"/>)
/// with another traffic-router plugin already registered, or with a pod that has containers,
/// init containers and volumes of the user's own.
/// </summary>
internal static class UserInstalls
{
    public const string GatewayApiName = "argoproj-labs/gatewayAPI";
    public const string GatewayApiLocation = "https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/releases/download/v0.4.0/gatewayapi-plugin-linux-amd64";

    /// <summary>argo-rollouts-config already lists the Gateway API plugin (and keeps its other setting).</summary>
    public static string WithGatewayApiPlugin { get; } = AddGatewayApiPlugin(ArgoRolloutsSeed.Yaml);

    public static string AddGatewayApiPlugin(string seed) => seed.Replace(
        """
          metricProviderPlugins: |-
        """,
        $$"""
          trafficRouterPlugins: |
            - name: "{{GatewayApiName}}"
              location: "{{GatewayApiLocation}}"
          metricProviderPlugins: |-
        """,
        StringComparison.Ordinal);

    public const string UserContainer = "log-shipper";
    public const string UserInitContainer = "wait-for-config";
    public const string UserVolume = "shipper-buffer";

    /// <summary>The controller pod with a sidecar, an init container and a volume of the user's.</summary>
    public static string WithUserContainers { get; } = AddUserContainers(ArgoRolloutsSeed.Yaml);

    public static string AddUserContainers(string seed) => seed.Replace(
        """
              volumes:
                - name: plugin-bin
        """,
        $$"""
                - name: {{UserContainer}}
                  image: registry.example.internal/log-shipper:1.0
                  volumeMounts:
                    - name: {{UserVolume}}
                      mountPath: /buffer
              initContainers:
                - name: {{UserInitContainer}}
                  image: registry.example.internal/wait:1.0
              volumes:
                - name: {{UserVolume}}
                  emptyDir: {}
                - name: plugin-bin
        """,
        StringComparison.Ordinal);

    /// <summary>
    /// What deploy/README.md ("Another namespace") tells a user to add to a kustomization that moves
    /// the install with `namespace:`: upstream's ClusterRoleBinding names argo-rollouts, and this
    /// points it at the ServiceAccount's final namespace (replacements run after `namespace:`).
    /// </summary>
    public const string ControllerBindingFollowsNamespace = """
        replacements:
          - source: {kind: ServiceAccount, name: argo-rollouts, fieldPath: metadata.namespace}
            targets:
              - select: {kind: ClusterRoleBinding, name: argo-rollouts}
                fieldPaths:
                  - subjects.[name=argo-rollouts].namespace
        """;
}
