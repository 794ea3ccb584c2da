using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ApisixPlugin.Core.Configuration;
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

/// <summary>
/// ApisixRoutes on the API server (apisix.apache.org/v2), one request per operation, retried
/// within the call's budget when the failure is transient (<see cref="ApiRequestPolicy"/>). Every
/// request is idempotent here: a PATCH is guarded by test operations, a DELETE by preconditions,
/// a CREATE fails on a name taken, so a retry after a lost answer is seen as a conflict and
/// re-planned, never applied twice.
/// </summary>
internal sealed class KubernetesApisixRouteStore(IKubernetes client, ApiRequestGate gate, ApiRequestPolicy policy) : IApisixRouteStore
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
            using var response = await Call("get", $"{ns}/{name}", token => client.CustomObjects.GetNamespacedCustomObjectWithHttpMessagesAsync(
                G, V, ns, P, name, cancellationToken: token), cancellationToken).ConfigureAwait(false);
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

    public async Task<IReadOnlyList<ApisixRouteSnapshot>> ListAsync(string ns, RouteSelector selector, CancellationToken cancellationToken)
    {
        var query = selector.ToQuery();
        try
        {
            using var response = await Call("list", $"{ns}/* (labelSelector {query})", token => client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(
                G, V, ns, P, labelSelector: query, cancellationToken: token), cancellationToken).ConfigureAwait(false);
            return Items(response.Body);
        }
        catch (HttpOperationException e)
        {
            throw Translate(e, "list", ns, $"* (labelSelector {query})");
        }
    }

    public async Task<ApisixRouteSnapshot> PatchAsync(RoutePatch patch, CancellationToken cancellationToken)
    {
        try
        {
            var body = new V1Patch(patch.ToString(), V1Patch.PatchType.JsonPatch);
            using var response = await Call("patch", patch.Key, token => client.CustomObjects.PatchNamespacedCustomObjectWithHttpMessagesAsync(
                body, G, V, patch.Namespace, P, patch.Name, fieldManager: FieldManager, cancellationToken: token), cancellationToken).ConfigureAwait(false);
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
            using var response = await Call("create", $"{ns}/{name}", token => client.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync(
                route, G, V, ns, P, fieldManager: FieldManager, cancellationToken: token), cancellationToken).ConfigureAwait(false);
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
            using var response = await Call("delete", route.Key, token => client.CustomObjects.DeleteNamespacedCustomObjectWithHttpMessagesAsync(
                G, V, route.Namespace, P, route.Name, options, cancellationToken: token), cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// One request, under the per-request timeout, retried while its failure is transient and the
    /// call's budget lasts: 429 (after Retry-After when it fits), 500, 502, 503, 504, a reset or
    /// refused connection, a request that timed out. Other answers are the caller's to translate.
    /// </summary>
    private async Task<T> Call<T>(string verb, string key, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var end = ApiCallBudget.EndOr(policy.CallBudget);
        for (var attempt = 1; ; attempt++)
        {
            Transient failure;
            using (var slot = await gate.EnterAsync(cancellationToken).ConfigureAwait(false))
            {
                var limit = Clamp(Min(policy.RequestTimeout, end - DateTime.UtcNow));
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(limit);
                RouterMetrics.ApiRequests.Add(1, new KeyValuePair<string, object?>("verb", verb));
                try
                {
                    return await request(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = new Transient("timeout", $"no answer within {limit.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s", null);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or SocketException)
                {
                    failure = new Transient("connection", e.Message, null);
                }
                catch (HttpOperationException e) when (IsTransient(e.Response.StatusCode))
                {
                    failure = new Transient($"http-{(int)e.Response.StatusCode}", $"HTTP {(int)e.Response.StatusCode} {ApiMessage(e)}", RetryAfter(e));
                }
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            var delay = Max(Backoff(attempt), failure.RetryAfter ?? TimeSpan.Zero);
            if (DateTime.UtcNow + delay >= end)
            {
                throw GiveUp(verb, key, failure, attempt, elapsed);
            }

            RouterMetrics.ApiRetries.Add(1, new KeyValuePair<string, object?>("verb", verb), new KeyValuePair<string, object?>("reason", failure.Reason));
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Why a request may succeed if sent again, and when the API server asked to be asked again.</summary>
    private sealed record Transient(string Reason, string Detail, TimeSpan? RetryAfter);

    private static RouterException GiveUp(string verb, string key, Transient failure, int attempts, TimeSpan elapsed)
    {
        var tried = $"{attempts} attempt{(attempts == 1 ? "" : "s")} in {elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
        return failure.Reason == "timeout"
            ? new RouterException(RouterErrorKind.DeadlineExceeded,
                $"route {key}: the Kubernetes API server did not answer {verb} apisixroutes ({failure.Detail}; {tried}); the next call tries again")
            : new RouterException(RouterErrorKind.Unavailable,
                $"route {key}: the Kubernetes API server could not {verb} apisixroutes ({failure.Detail}; {tried}); the next call tries again");
    }

    private static bool IsTransient(HttpStatusCode status) => status is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError
        or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    /// <summary>Retry-After in seconds, as the API server sends it with 429 (and some 503s).</summary>
    private static TimeSpan? RetryAfter(HttpOperationException e) =>
        e.Response.Headers is { } headers && headers.TryGetValue("Retry-After", out var values)
            && int.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : null;

    /// <summary>100, 200, 400, 800, then 1600 ms, with jitter; a Retry-After the server sent wins when longer.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(50 << attempt, 1600) * (0.75 + (Random.Shared.NextDouble() / 2)));

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>A timeout of at least 100 ms: a budget spent to the last millisecond still sends one real request.</summary>
    private static TimeSpan Clamp(TimeSpan timeout) => timeout < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : timeout;

    /// <summary>The items of a list answer, each kept whole (the API server leaves kind and apiVersion out of a list's items).</summary>
    private static ApisixRouteSnapshot[] Items(object body)
    {
        var list = body is JsonElement element ? element : JsonElement.Parse(KubernetesJson.Serialize(body));
        return list.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array
            ? [.. items.EnumerateArray().Select(i => new ApisixRouteSnapshot(i.Clone()))]
            : [];
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
