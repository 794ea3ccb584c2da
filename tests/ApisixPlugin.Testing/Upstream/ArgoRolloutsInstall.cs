using System.Text.Json.Nodes;
using ApisixPlugin.Kubernetes.Manifests;
using ApisixPlugin.Testing.Crds;
using k8s;

namespace ApisixPlugin.Testing.Upstream;

/// <summary>
/// The real Argo Rollouts install (shared/upstream, SOURCE.md), read where the test API server
/// needs it: v1.8.3, whose CRDs the v1.20 server accepts as they are. Its Rollout CRD makes
/// Rollouts real objects, validated by the real schema; its ConfigMap is argo-rollouts-config as a
/// fresh install has it (no plugin registered).
/// </summary>
public static class ArgoRolloutsInstall
{
    public const string Release = "v1.8.3";
    public const string RolloutGroup = "argoproj.io";
    public const string RolloutVersion = "v1alpha1";
    public const string RolloutPlural = "rollouts";
    public const string RolloutCrdName = $"{RolloutPlural}.{RolloutGroup}";
    public const string ConfigMapName = "argo-rollouts-config";

    public static string YamlPath => RepoPaths.Upstream($"argo-rollouts-{Release}/install.yaml");

    /// <summary>Every object of the install, in its order.</summary>
    public static IReadOnlyList<JsonObject> Objects() =>
        [.. ManifestYaml.ReadDocuments(File.ReadAllText(YamlPath), YamlPath).OfType<JsonObject>()];

    /// <summary>Installs the Rollout CRD (rollouts.argoproj.io) and waits until Rollouts are served.</summary>
    public static Task InstallRolloutCrdAsync(IKubernetes admin, CancellationToken cancellationToken = default) =>
        CrdInstaller.InstallAsync(admin, YamlPath, d => d.Metadata.Name == RolloutCrdName, cancellationToken);

    /// <summary>The install's argo-rollouts-config, moved to <paramref name="ns"/>.</summary>
    public static JsonObject ControllerConfigMap(string ns)
    {
        var map = Objects().Single(o => (string?)o["kind"] == "ConfigMap" && (string?)o["metadata"]?["name"] == ConfigMapName).DeepClone().AsObject();
        map["metadata"]!["namespace"] = ns;
        return map;
    }
}
