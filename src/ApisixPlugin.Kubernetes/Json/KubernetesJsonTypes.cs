using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;

namespace ApisixPlugin.Kubernetes.Json;

/// <summary>
/// KubernetesClient.Aot serializes only the types of its own source-generated context, and the
/// custom-objects API carries bodies as <c>object</c>: without this, any ApisixRoute request fails
/// with "jsonTypeInfo is null" at run time. The route JSON types are added to the client's shared
/// options once, before its first request (the options are frozen after that).
/// </summary>
public static class KubernetesJsonTypes
{
    private static readonly Lock Gate = new();
    private static bool s_registered;

    public static void Register()
    {
        lock (Gate)
        {
            if (s_registered)
            {
                return;
            }

            KubernetesJson.AddJsonOptions(options =>
            {
                if (options.IsReadOnly)
                {
                    throw new InvalidOperationException(
                        "KubernetesClient's JSON options were used before ApisixPlugin registered its route types; call KubernetesJsonTypes.Register() first");
                }

                options.TypeInfoResolverChain.Add(RouteJsonContext.Default);
            });
            s_registered = true;
        }
    }
}

/// <summary>What ApisixRoutes are read and written as: the raw JSON, never a typed model.</summary>
[JsonSerializable(typeof(object))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(JsonDocument))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonArray))]
internal sealed partial class RouteJsonContext : JsonSerializerContext;
