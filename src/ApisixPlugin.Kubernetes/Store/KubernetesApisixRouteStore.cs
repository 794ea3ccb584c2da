using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Kubernetes.Json;
using ApisixPlugin.Routing.Store;
using ApisixPlugin.Routing.Telemetry;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace ApisixPlugin.Kubernetes.Store;

/// <summary>ApisixRoutes on the API server (apisix.apache.org/v2), one request per operation.</summary>
internal sealed class KubernetesApisixRouteStore(IKubernetes client, ApiRequestGate gate) : IApisixRouteStore
{
    private const string FieldManager = "apisix-plugin";
    private const string G = ApisixRouteConventions.Group;
    private const string V = ApisixRouteConventions.Version;
    private const string P = ApisixRouteConventions.Plural;

    static KubernetesApisixRouteStore() => KubernetesJsonTypes.Register();

    public async Task<ApisixRouteSnapshot?> GetAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Call("get", () => client.CustomObjects.GetNamespacedCustomObjectWithHttpMessagesAsync(
                G, V, ns, P, name, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
            return ToSnapshot(response.Body);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (HttpOperationException e)
        {
            throw Translate(e, "get", ns, name);
        }
    }

    public async Task<ApisixRouteSnapshot> PatchAsync(RoutePatch patch, CancellationToken cancellationToken)
    {
        try
        {
            var body = new V1Patch(patch.ToString(), V1Patch.PatchType.JsonPatch);
            using var response = await Call("patch", () => client.CustomObjects.PatchNamespacedCustomObjectWithHttpMessagesAsync(
                body, G, V, patch.Namespace, P, patch.Name, fieldManager: FieldManager, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
            return ToSnapshot(response.Body);
        }
        catch (HttpOperationException e)
        {
            throw Translate(e, "patch", patch.Namespace, patch.Name);
        }
    }

    public async Task<ApisixRouteSnapshot> CreateAsync(string ns, JsonElement route, CancellationToken cancellationToken)
    {
        var name = route.GetProperty("metadata").GetProperty("name").GetString() ?? "";
        try
        {
            using var response = await Call("create", () => client.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync(
                route, G, V, ns, P, fieldManager: FieldManager, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
            return ToSnapshot(response.Body);
        }
        catch (HttpOperationException e)
        {
            throw Translate(e, "create", ns, name);
        }
    }

    public async Task DeleteAsync(ApisixRouteSnapshot route, CancellationToken cancellationToken)
    {
        var options = new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = route.ResourceVersion, Uid = route.Uid } };
        try
        {
            using var response = await Call("delete", () => client.CustomObjects.DeleteNamespacedCustomObjectWithHttpMessagesAsync(
                G, V, route.Namespace, P, route.Name, options, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone: the goal of a delete is reached.
        }
        catch (HttpOperationException e)
        {
            throw Translate(e, "delete", route.Namespace, route.Name);
        }
    }

    private async Task<T> Call<T>(string verb, Func<Task<T>> request, CancellationToken cancellationToken)
    {
        using var slot = await gate.EnterAsync(cancellationToken).ConfigureAwait(false);
        RouterMetrics.ApiRequests.Add(1, new KeyValuePair<string, object?>("verb", verb));
        try
        {
            return await request().ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new RouterException(RouterErrorKind.Unavailable, $"the Kubernetes API server is unreachable ({verb} apisixroutes): {e.Message}", e);
        }
        catch (SocketException e)
        {
            throw new RouterException(RouterErrorKind.Unavailable, $"the Kubernetes API server is unreachable ({verb} apisixroutes): {e.Message}", e);
        }
    }

    private static ApisixRouteSnapshot ToSnapshot(object body) => body switch
    {
        JsonElement element => new ApisixRouteSnapshot(element.Clone()),
        _ => ApisixRouteSnapshot.Parse(KubernetesJson.Serialize(body)),
    };

    /// <summary>
    /// 409 is a resourceVersion/uid precondition or create conflict. A JSON Patch that cannot be
    /// applied (a failed test, or a path that no longer exists because the rule list changed) is
    /// answered 422 with no causes: the route changed since it was read, so it is a conflict too.
    /// A 422 with causes is the CRD schema rejecting the result, which no retry fixes.
    /// </summary>
    private static Exception Translate(HttpOperationException e, string verb, string ns, string name)
    {
        var key = $"{ns}/{name}";
        var message = ApiMessage(e);
        return e.Response.StatusCode switch
        {
            HttpStatusCode.Conflict => new RouteConflictException(key, $"route {key}: {verb} conflicted: {message}"),
            HttpStatusCode.UnprocessableEntity when !HasCauses(e) => new RouteConflictException(key, $"route {key}: changed since it was read ({message})"),
            HttpStatusCode.UnprocessableEntity => RouterException.Invalid($"route {key}: the API server rejected the {verb}: {message}"),
            HttpStatusCode.Forbidden => new RouterException(RouterErrorKind.PermissionDenied,
                $"route {key}: the plugin may not {verb} apisixroutes in namespace '{ns}': {message}"),
            HttpStatusCode.Unauthorized => new RouterException(RouterErrorKind.PermissionDenied, $"route {key}: the API server refused the plugin's credentials ({verb})"),
            HttpStatusCode.NotFound => RouterException.Precondition($"route {key}: not found ({verb}): {message}"),
            HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError
                => new RouterException(RouterErrorKind.Unavailable, $"route {key}: the API server could not {verb} it now: {message}"),
            _ => RouterException.Invalid($"route {key}: {verb} failed with HTTP {(int)e.Response.StatusCode}: {message}"),
        };
    }

    private static bool HasCauses(HttpOperationException e)
    {
        try
        {
            using var doc = JsonDocument.Parse(e.Response.Content ?? "");
            return doc.RootElement.TryGetProperty("details", out var details)
                && details.TryGetProperty("causes", out var causes)
                && causes.ValueKind == JsonValueKind.Array && causes.GetArrayLength() > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string ApiMessage(HttpOperationException e)
    {
        try
        {
            using var doc = JsonDocument.Parse(e.Response.Content ?? "");
            return doc.RootElement.TryGetProperty("message", out var m) ? m.GetString() ?? e.Message : e.Message;
        }
        catch (JsonException)
        {
            return string.IsNullOrWhiteSpace(e.Response.Content) ? e.Message : e.Response.Content;
        }
    }
}
