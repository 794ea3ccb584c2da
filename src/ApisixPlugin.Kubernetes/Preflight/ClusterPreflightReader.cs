using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Preflight;
using ApisixPlugin.Kubernetes.Json;
using ApisixPlugin.Kubernetes.Manifests;
using ApisixPlugin.Kubernetes.Store;
using ApisixPlugin.Routing.Store;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace ApisixPlugin.Kubernetes.Preflight;

/// <summary>Rollouts as read for the preflight, or why none could be (naming the permission or the failure).</summary>
public sealed record RolloutsRead(IReadOnlyList<JsonElement> Rollouts, string? Problem)
{
    public static RolloutsRead Failed(string problem) => new([], problem);
}

/// <summary>Whether a Service exists: true or false when read, null with the reason when it could not be.</summary>
public sealed record ServiceRead(bool? Exists, string? Problem);

/// <summary>The API server did not answer at all: nothing else can be checked.</summary>
public sealed class ClusterUnreachableException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Everything <c>apisix-plugin check</c> reads from the API server, and nothing it writes: Rollouts
/// (list or get), ApisixRoutes (through the sidecar's own store, so reads retry as the sidecar's
/// do), the Services the routes' backends name, the controller's ConfigMap, and SelfSubjectAccessReviews, which ask the API server what
/// the credentials in use may do without doing it. A refusal comes back as a problem that names
/// the verb, resource and namespace, for the report to show.
/// </summary>
public sealed class ClusterPreflightReader : IDisposable
{
    private const string RolloutGroup = "argoproj.io";
    private const string RolloutVersion = "v1alpha1";
    private const string RolloutPlural = "rollouts";
    private const string RolloutResource = $"{RolloutPlural}.{RolloutGroup}";

    private readonly k8s.Kubernetes _client;
    private readonly ApiRequestGate _gate = new(ApiRequestGate.DefaultLimit);

    private ClusterPreflightReader(KubernetesClientConfiguration config)
    {
        KubernetesJsonTypes.Register();
        _client = new k8s.Kubernetes(config);
        Server = config.Host;
        DefaultNamespace = string.IsNullOrEmpty(config.Namespace) ? "default" : config.Namespace;
        Routes = new KubernetesApisixRouteStore(_client, _gate, ApiRequestPolicy.Default);
    }

    /// <summary>
    /// The client of a kubeconfig file, else the in-cluster service account, else the default
    /// kubeconfig, as the sidecar chooses. A file that is no usable kubeconfig throws
    /// <see cref="KubeConfigException"/> or <see cref="IOException"/>, for the caller to name.
    /// </summary>
    public static ClusterPreflightReader Connect(string? kubeconfig) =>
        new(KubernetesServiceCollectionExtensions.ClientConfiguration(kubeconfig));

    public string Server { get; }

    /// <summary>The kubeconfig context's namespace (or the pod's, in the cluster), else "default", as kubectl takes it.</summary>
    public string DefaultNamespace { get; }

    public IApisixRouteStore Routes { get; }

    /// <summary>The Rollouts of one namespace, or of all when <paramref name="ns"/> is null.</summary>
    public async Task<RolloutsRead> ListRolloutsAsync(string? ns, CancellationToken cancellationToken)
    {
        var where = ns is null ? "at cluster scope (--all-namespaces)" : $"in namespace {ns}";
        try
        {
            var list = ns is null
                ? await _client.CustomObjects.ListClusterCustomObjectAsync(RolloutGroup, RolloutVersion, RolloutPlural, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await _client.CustomObjects.ListNamespacedCustomObjectAsync(RolloutGroup, RolloutVersion, ns, RolloutPlural, cancellationToken: cancellationToken).ConfigureAwait(false);
            var items = ToElement(list) is { ValueKind: JsonValueKind.Object } body && body.TryGetProperty("items", out var i) && i.ValueKind == JsonValueKind.Array
                ? i.EnumerateArray().Select(r => r.Clone()).ToList()
                : [];
            return new RolloutsRead(items, null);
        }
        catch (HttpOperationException e)
        {
            return RolloutsRead.Failed(Refusal(e, "list", RolloutResource, where, RolloutGroup));
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            throw Unreachable(e);
        }
    }

    public async Task<RolloutsRead> GetRolloutAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            var rollout = await _client.CustomObjects.GetNamespacedCustomObjectAsync(RolloutGroup, RolloutVersion, ns, RolloutPlural, name, cancellationToken)
                .ConfigureAwait(false);
            return new RolloutsRead([ToElement(rollout).Clone()], null);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound && ServesRollouts(e))
        {
            return RolloutsRead.Failed($"rollout {ns}/{name}: no Rollout named '{name}' in namespace {ns}");
        }
        catch (HttpOperationException e)
        {
            return RolloutsRead.Failed(Refusal(e, "get", RolloutResource, $"in namespace {ns}", RolloutGroup));
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            throw Unreachable(e);
        }
    }

    /// <summary>argo-rollouts-config, with its trafficRouterPlugins read as YAML (the controller reads it so).</summary>
    public async Task<ControllerConfigRead> ReadControllerConfigAsync(string ns, string name, CancellationToken cancellationToken)
    {
        V1ConfigMap map;
        try
        {
            map = await _client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return new ControllerConfigRead.NotFound(ns, name);
        }
        catch (HttpOperationException e)
        {
            return new ControllerConfigRead.Unreadable(ns, name, Refusal(e, "get", "configmaps", $"in namespace {ns}", null));
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            throw Unreachable(e);
        }

        if (map.Data is null || !map.Data.TryGetValue(ControllerRegistration.ConfigMapKey, out var yaml))
        {
            return new ControllerConfigRead.Found(ns, name, null, null, HasKey: false);
        }

        try
        {
            var documents = ManifestYaml.ReadDocuments(yaml, ControllerRegistration.ConfigMapKey);
            return new ControllerConfigRead.Found(ns, name, documents.Count == 0 ? new JsonArray() : documents[0], null, HasKey: true);
        }
        catch (ManifestYamlException e)
        {
            return new ControllerConfigRead.Found(ns, name, null, e.Message, HasKey: true);
        }
    }

    /// <summary>The controller's Deployment, as far as the plugin's wiring goes (containers, their command lines and mounts).</summary>
    public async Task<ControllerPodRead> ReadControllerPodAsync(string ns, string name, CancellationToken cancellationToken)
    {
        V1Deployment deployment;
        try
        {
            deployment = await _client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return new ControllerPodRead.NotFound(ns, name);
        }
        catch (HttpOperationException e)
        {
            return new ControllerPodRead.Unreadable(ns, name, Refusal(e, "get", "deployments.apps", $"in namespace {ns}", null));
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            throw Unreachable(e);
        }

        return new ControllerPodRead.Found(ns, name, PodWiring.Containers(deployment.Spec?.Template?.Spec));
    }

    /// <summary>
    /// Whether the Service a backend names exists, read with get (the check's own credentials;
    /// the sidecar never reads Services). A refusal is not taken for an answer either way.
    /// </summary>
    public async Task<ServiceRead> ReadServiceAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            await _client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ServiceRead(true, null);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return new ServiceRead(false, null);
        }
        catch (HttpOperationException e)
        {
            return new ServiceRead(null, Refusal(e, "get", "services", $"in namespace {ns}", null));
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            throw Unreachable(e);
        }
    }

    /// <summary>Whether the credentials in use may do what <paramref name="need"/> says, asked by SelfSubjectAccessReview.</summary>
    public async Task<AccessAnswer> ReviewAsync(AccessNeed need, CancellationToken cancellationToken)
    {
        var review = new V1SelfSubjectAccessReview
        {
            Spec = new V1SelfSubjectAccessReviewSpec
            {
                ResourceAttributes = new V1ResourceAttributes
                {
                    Group = need.Group, Resource = need.Resource, Verb = need.Verb, NamespaceProperty = need.Namespace,
                },
            },
        };
        try
        {
            var answer = await _client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(review, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new AccessAnswer(answer.Status?.Allowed == true, answer.Status?.Reason);
        }
        catch (HttpOperationException e)
        {
            return new AccessAnswer(false, Error: Refusal(e, "create", "selfsubjectaccessreviews.authorization.k8s.io", "", "authorization.k8s.io"));
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            throw Unreachable(e);
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _gate.Dispose();
    }

    /// <summary>A 404 for a Rollout names the Rollout when the API serves rollouts at all; else the CRD is missing.</summary>
    private static bool ServesRollouts(HttpOperationException e) => e.Response.Content?.Contains("\"kind\":\"Status\"", StringComparison.Ordinal) == true
        && e.Response.Content.Contains("\"kind\":\"rollouts\"", StringComparison.Ordinal);

    private static string Refusal(HttpOperationException e, string verb, string resource, string where, string? crdGroup)
    {
        var status = (int)e.Response.StatusCode;
        var message = ApiMessage(e);
        return e.Response.StatusCode switch
        {
            HttpStatusCode.Forbidden => $"missing permission: {verb} {resource} {where} (HTTP 403: {message})".Replace("  ", " ", StringComparison.Ordinal),
            HttpStatusCode.Unauthorized => $"the API server refused the credentials (HTTP 401: {message})",
            HttpStatusCode.NotFound when crdGroup == RolloutGroup =>
                $"the API server does not serve {resource}/{RolloutVersion}: are Argo Rollouts' CRDs installed? (HTTP 404: {message})",
            _ => $"{verb} {resource} {where} failed with HTTP {status}: {message}",
        };
    }

    private static string ApiMessage(HttpOperationException e)
    {
        try
        {
            using var doc = JsonDocument.Parse(e.Response.Content ?? "");
            return doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() ?? e.Message : e.Message;
        }
        catch (JsonException)
        {
            return string.IsNullOrWhiteSpace(e.Response.Content) ? e.Message : e.Response.Content;
        }
    }

    private static JsonElement ToElement(object body) => body switch
    {
        JsonElement element => element,
        _ => JsonElement.Parse(KubernetesJson.Serialize(body)),
    };

    private static bool IsUnreachable(Exception e) => e is HttpRequestException or SocketException or IOException
        || (e is TaskCanceledException && e.InnerException is TimeoutException);

    private ClusterUnreachableException Unreachable(Exception e) =>
        new($"the Kubernetes API server at {Server} did not answer: {e.Message}", e);
}
