using System.Text.Json.Nodes;
using ApisixPlugin.Testing.Crds;
using k8s;
using k8s.Models;

namespace ApisixPlugin.Testing.Routes;

/// <summary>
/// ApisixRoutes as raw JSON through the generic custom-objects API, as whichever user the client
/// authenticates as. Tests arrange and inspect routes with it; the status writes stand in for the
/// APISIX ingress controller, which does not run here.
/// </summary>
public sealed class ApisixRouteApi(IKubernetes client)
{
    /// <summary>Creates the route; apiVersion, kind and metadata.namespace are filled in when absent.</summary>
    public async Task<JsonObject> CreateAsync(string ns, JsonObject route, CancellationToken cancellationToken = default)
    {
        var body = (JsonObject)route.DeepClone();
        body["apiVersion"] ??= ApisixCrd.ApiVersion;
        body["kind"] ??= ApisixCrd.Kind;
        if (body["metadata"] is JsonObject metadata)
        {
            metadata["namespace"] ??= ns;
        }

        return await client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(
            body, ApisixCrd.Group, ApisixCrd.Version, ns, ApisixCrd.Plural, cancellationToken: cancellationToken);
    }

    public Task<JsonObject> CreateAsync(string ns, string routeJson, CancellationToken cancellationToken = default) =>
        CreateAsync(ns, JsonNode.Parse(routeJson) as JsonObject ?? throw new ArgumentException("not a JSON object", nameof(routeJson)), cancellationToken);

    public Task<JsonObject> GetAsync(string ns, string name, CancellationToken cancellationToken = default) =>
        client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(
            ApisixCrd.Group, ApisixCrd.Version, ns, ApisixCrd.Plural, name, cancellationToken);

    /// <summary>RFC 6902 JSON patch of the main resource, e.g. [{"op":"test",...},{"op":"replace",...}].</summary>
    public Task<JsonObject> JsonPatchAsync(string ns, string name, JsonArray operations, CancellationToken cancellationToken = default) =>
        client.CustomObjects.PatchNamespacedCustomObjectAsync<JsonObject>(
            new V1Patch(operations.ToJsonString(), V1Patch.PatchType.JsonPatch),
            ApisixCrd.Group, ApisixCrd.Version, ns, ApisixCrd.Plural, name, cancellationToken: cancellationToken);

    /// <summary>
    /// Replaces .status through the status subresource (merge patch {"status": ...}), as the ingress
    /// controller does; the spec and metadata.generation are untouched.
    /// </summary>
    public Task<JsonObject> SetStatusAsync(string ns, string name, JsonObject status, CancellationToken cancellationToken = default)
    {
        var patch = new JsonObject { ["status"] = status.DeepClone() };
        return client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonObject>(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
            ApisixCrd.Group, ApisixCrd.Version, ns, ApisixCrd.Plural, name, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// What an ingress controller writes once it has translated the route as it is now: the
    /// condition <paramref name="type"/> (2.x <c>Accepted</c>) True at the route's current generation.
    /// </summary>
    public async Task<JsonObject> AcceptCurrentGenerationAsync(string ns, string name, string type = "Accepted", CancellationToken cancellationToken = default)
    {
        var generation = (await GetAsync(ns, name, cancellationToken))["metadata"]!["generation"]!.GetValue<long>();
        return await SetStatusAsync(ns, name, new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = type, ["status"] = "True", ["reason"] = type, ["message"] = "synced",
                ["observedGeneration"] = generation, ["lastTransitionTime"] = "2026-12-02T00:00:00Z",
            }),
        }, cancellationToken);
    }

    public Task DeleteAsync(string ns, string name, CancellationToken cancellationToken = default) =>
        client.CustomObjects.DeleteNamespacedCustomObjectAsync(
            ApisixCrd.Group, ApisixCrd.Version, ns, ApisixCrd.Plural, name, cancellationToken: cancellationToken);
}
