using System.Text.Json.Nodes;
using ApisixPlugin.Kubernetes.Manifests;
using ApisixPlugin.Testing;
using ApisixPlugin.Testing.Cluster;
using ApisixPlugin.Testing.Crds;
using ApisixPlugin.Testing.Upstream;
using k8s;
using k8s.Models;

namespace ApisixPlugin.Integration.Tests.Check;

/// <summary>
/// A namespace with one Rollout of this plugin (real Rollout CRD), its ApisixRoute (accepted by
/// the ingress controller, as far as a status write can say) and a controller namespace holding
/// the upstream argo-rollouts-config, with the plugin's entry as deploy/ registers it. Tests break
/// one part each.
/// </summary>
internal sealed class CheckScenario(CheckClusterFixture fx, string ns, string controllerNs)
{
    public const string PluginName = "apisixplugin/apisix";
    public const string RolloutName = "shop";
    public const string Route = "shop-route";
    public const string Rule = "shop-all";
    public const string Stable = "shop-stable";
    public const string Canary = "shop-canary";
    public const string HeaderRoute = "set-header";
    public const string IngressClass = "apisix";

    public string Namespace => ns;

    public string ControllerNamespace => controllerNs;

    public string RolloutKey => $"{ns}/{RolloutName}";

    /// <param name="registered">Whether argo-rollouts-config carries deploy/'s trafficRouterPlugins entry; else it is upstream's, as installed.</param>
    public static async Task<CheckScenario> CreateAsync(CheckClusterFixture fx, bool registered = true)
    {
        var scenario = new CheckScenario(fx, await fx.CreateNamespaceAsync("check"), await fx.CreateNamespaceAsync("argo-rollouts"));
        var map = ArgoRolloutsInstall.ControllerConfigMap(scenario.ControllerNamespace);
        if (registered)
        {
            map["data"] = new JsonObject { ["trafficRouterPlugins"] = DeployedRegistration() };
        }

        await fx.Admin.CoreV1.CreateNamespacedConfigMapAsync(KubernetesJson.Deserialize<V1ConfigMap>(map.ToJsonString()), scenario.ControllerNamespace);
        if (registered)
        {
            await fx.Admin.AppsV1.CreateNamespacedDeploymentAsync(KubernetesJson.Deserialize<V1Deployment>(WiredController(scenario.ControllerNamespace).ToJsonString()), scenario.ControllerNamespace);
        }

        return scenario;
    }

    /// <summary>
    /// Upstream's controller Deployment with deploy/'s pod patch merged in by name, as kustomize
    /// merges it, and the native sidecar as a plain container (the plain-container variant: the
    /// test API server, v1.20, has no native sidecars). deploy/'s own tests check the real render.
    /// </summary>
    public static JsonObject WiredController(string ns)
    {
        var deployment = ArgoRolloutsInstall.Objects().Single(o => (string?)o["kind"] == "Deployment" && (string?)o["metadata"]?["name"] == "argo-rollouts").DeepClone().AsObject();
        deployment["metadata"]!["namespace"] = ns;
        var path = Path.Combine(RepoPaths.Root, "deploy", "kustomize", "components", "common", "argo-rollouts-deployment.yaml");
        var patch = ManifestYaml.ReadDocuments(File.ReadAllText(path), path).Single()!["spec"]!["template"]!["spec"]!;
        var pod = deployment["spec"]!["template"]!["spec"]!.AsObject();

        var initContainers = Named(pod, "initContainers");
        var containers = Named(pod, "containers");
        foreach (var added in patch["initContainers"]!.AsArray().Select(c => c!.DeepClone().AsObject()))
        {
            var native = added.Remove("restartPolicy", out var policy) && (string?)policy == "Always";
            (native ? containers : initContainers).Add(added);
        }

        foreach (var patched in patch["containers"]!.AsArray())
        {
            var container = containers.OfType<JsonObject>().Single(c => (string?)c["name"] == (string?)patched!["name"]);
            foreach (var mount in patched!["volumeMounts"]!.AsArray())
            {
                Named(container, "volumeMounts").Add(mount!.DeepClone());
            }
        }

        foreach (var volume in patch["volumes"]!.AsArray())
        {
            Named(pod, "volumes").Add(volume!.DeepClone());
        }

        return deployment;
    }

    private static JsonArray Named(JsonObject parent, string list) => parent[list] as JsonArray ?? (JsonArray)(parent[list] = new JsonArray());

    /// <summary>The entry deploy/kustomize appends to trafficRouterPlugins (components/common/registration).</summary>
    public static string DeployedRegistration()
    {
        var path = Path.Combine(RepoPaths.Root, "deploy", "kustomize", "components", "common", "registration", "plugin-entry.yaml");
        var carrier = ManifestYaml.ReadDocuments(File.ReadAllText(path), path).Single();
        return (string)carrier["data"]!["entry"]!;
    }

    /// <summary>A route with one rule; the backends listed are the services given (default: stable, canary).</summary>
    public static JsonObject RouteJson(string name = Route, string rule = Rule, string? ingressClass = IngressClass, params string[] services)
    {
        var backends = new JsonArray();
        foreach (var service in services.Length == 0 ? [Stable, Canary] : services)
        {
            backends.Add(new JsonObject { ["serviceName"] = service, ["servicePort"] = 80 });
        }

        var spec = new JsonObject
        {
            ["http"] = new JsonArray(new JsonObject { ["name"] = rule, ["match"] = new JsonObject { ["paths"] = new JsonArray("/*") }, ["backends"] = backends }),
        };
        if (ingressClass is not null)
        {
            spec["ingressClassName"] = ingressClass;
        }

        return new JsonObject { ["metadata"] = new JsonObject { ["name"] = name }, ["spec"] = spec };
    }

    /// <summary>Creates the route and marks it accepted at its generation, with the condition this CRD generation's controller writes.</summary>
    public async Task<JsonObject> CreateRouteAsync(JsonObject? route = null, string? inNamespace = null)
    {
        var target = inNamespace ?? ns;
        var created = await fx.ApisixRoutes.CreateAsync(target, route ?? RouteJson());
        var name = (string)created["metadata"]!["name"]!;
        var generation = created["metadata"]!["generation"]!.GetValue<long>();
        var type = fx.Crd.Release == ApisixCrdRelease.Controller2x ? "Accepted" : "ResourcesAvailable";
        return await fx.ApisixRoutes.SetStatusAsync(target, name, new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = type,
                ["status"] = "True",
                ["reason"] = type,
                ["message"] = "synced",
                ["observedGeneration"] = generation,
                ["lastTransitionTime"] = "2026-11-25T00:00:00Z",
            }),
        });
    }

    /// <summary>The Rollout, through the real Rollout CRD; the plugin block defaults to the route and its rule.</summary>
    public Task<JsonObject> CreateRolloutAsync(string? pluginBlock = null, string name = RolloutName, params string[] managedRoutes)
    {
        var routing = new JsonObject
        {
            ["plugins"] = new JsonObject { [PluginName] = JsonNode.Parse(pluginBlock ?? $$$"""{"route":{"name":"{{{Route}}}","rules":["{{{Rule}}}"]}}""") },
        };
        var managed = managedRoutes.Length == 0 ? [HeaderRoute] : managedRoutes;
        routing["managedRoutes"] = new JsonArray([.. managed.Select(m => (JsonNode)new JsonObject { ["name"] = m })]);
        var rollout = new JsonObject
        {
            ["apiVersion"] = $"{ArgoRolloutsInstall.RolloutGroup}/{ArgoRolloutsInstall.RolloutVersion}",
            ["kind"] = "Rollout",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = new JsonObject
            {
                ["replicas"] = 1,
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                    ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = name, ["image"] = "registry.example.internal/shop:1" }) },
                },
                ["strategy"] = new JsonObject
                {
                    ["canary"] = new JsonObject
                    {
                        ["canaryService"] = Canary,
                        ["stableService"] = Stable,
                        ["trafficRouting"] = routing,
                        ["steps"] = new JsonArray(new JsonObject { ["setWeight"] = 20 }),
                    },
                },
            },
        };
        return fx.Admin.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(
            rollout, ArgoRolloutsInstall.RolloutGroup, ArgoRolloutsInstall.RolloutVersion, ns, ArgoRolloutsInstall.RolloutPlural);
    }

    /// <summary>Grants <paramref name="user"/> what the sidecar and the check need here: deploy/'s rules and reading Rollouts, and the ConfigMap.</summary>
    public async Task GrantCheckAsync(string user, params string[] rolloutVerbs)
    {
        await fx.GrantAsync(ns, user, [.. KubeClusterFixture.PluginRules, RolloutsRead(rolloutVerbs.Length == 0 ? ["get", "list"] : rolloutVerbs)]);
        // The controller's own ClusterRole has both, so check run in the sidecar container has them too.
        await fx.GrantAsync(controllerNs, user,
            [new V1PolicyRule { ApiGroups = [""], Resources = ["configmaps"], Verbs = ["get"] }, new V1PolicyRule { ApiGroups = ["apps"], Resources = ["deployments"], Verbs = ["get"] }]);
    }

    public static V1PolicyRule RolloutsRead(params string[] verbs) =>
        new() { ApiGroups = [ArgoRolloutsInstall.RolloutGroup], Resources = [ArgoRolloutsInstall.RolloutPlural], Verbs = [.. verbs] };

    /// <summary>check's arguments for this scenario, as <paramref name="user"/>.</summary>
    public string[] Args(string user = KubeUsers.Admin, params string[] more) =>
        ["--kubeconfig", fx.KubeconfigFor(user), "--namespace", ns, "--controller-namespace", controllerNs, .. more];
}
