using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using Google.Protobuf;
using k8s.Models;

namespace ApisixPlugin.Benchmarks.Sidecar;

/// <summary>The objects the live benchmarks create: guide-shaped routes, their Rollout messages, the plugin's grants.</summary>
internal static class BenchmarkRollouts
{
    public const string Rule = "main";
    public const string PluginName = "apisixplugin/apisix";

    /// <summary>What deploy/ grants the plugin on ApisixRoutes and Events.</summary>
    public static IReadOnlyList<V1PolicyRule> PluginPermissions { get; } =
    [
        new V1PolicyRule { ApiGroups = ["apisix.apache.org"], Resources = ["apisixroutes"], Verbs = ["get", "list", "patch", "create", "delete"] },
        new V1PolicyRule { ApiGroups = [""], Resources = ["events"], Verbs = ["create", "patch"] },
    ];

    /// <summary>What the built-in router's pattern needs: GET and full-object update.</summary>
    public static IReadOnlyList<V1PolicyRule> BuiltInPermissions { get; } =
    [
        new V1PolicyRule { ApiGroups = ["apisix.apache.org"], Resources = ["apisixroutes"], Verbs = ["get", "update"] },
    ];

    public static string Stable(string app) => $"{app}-stable";

    public static string Canary(string app) => $"{app}-canary";

    /// <summary>One rule, stable and canary backends on port 80, like the Argo Rollouts APISIX guide.</summary>
    public static JsonObject Route(string name, string app) => new()
    {
        ["apiVersion"] = "apisix.apache.org/v2",
        ["kind"] = "ApisixRoute",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["http"] = new JsonArray(new JsonObject
            {
                ["name"] = Rule,
                ["match"] = new JsonObject
                {
                    ["hosts"] = new JsonArray($"{app}.apisix.local"),
                    ["paths"] = new JsonArray("/*"),
                },
                ["backends"] = new JsonArray(
                    new JsonObject { ["serviceName"] = Stable(app), ["servicePort"] = 80 },
                    new JsonObject { ["serviceName"] = Canary(app), ["servicePort"] = 80 }),
            }),
        },
    };

    public static Rollout Rollout(string ns, string name, string route, string app) => new()
    {
        Namespace = ns,
        Name = name,
        Uid = Guid.NewGuid().ToString(),
        CanaryService = Canary(app),
        StableService = Stable(app),
        PluginName = PluginName,
        PluginConfig = ByteString.CopyFromUtf8($$$"""{"route":{"name":"{{{route}}}","rules":["{{{Rule}}}"]}}"""),
        ApiVersion = "argoproj.io/v1alpha1",
        Kind = "Rollout",
    };

    public static SetWeightRequest SetWeight(Rollout rollout, int weight) => new() { Rollout = rollout, DesiredWeight = weight };
}
