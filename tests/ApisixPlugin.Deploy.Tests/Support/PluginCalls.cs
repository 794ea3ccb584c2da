using System.Net;
using System.Text.Json.Nodes;
using ApisixPlugin.Testing.Crds;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace ApisixPlugin.Deploy.Tests.Support;

/// <summary>
/// The API calls the sidecar makes (src/ApisixPlugin.Kubernetes: get, JSON patch, create, delete
/// with preconditions on ApisixRoutes; core/v1 Event create on the Rollout), made for real as a
/// given user.
/// </summary>
internal sealed class PluginCalls(IKubernetes client)
{
    private const string G = ApisixCrd.Group;
    private const string V = ApisixCrd.Version;
    private const string P = ApisixCrd.Plural;

    /// <summary>Runs every call in order against a route made from deploy/examples/apisixroute.yaml (the list as a routeSelector makes it).</summary>
    public async Task RunAllAsync(string ns)
    {
        var route = Yaml.LoadFile(DeployPaths.Example("apisixroute.yaml")).Single();
        route["metadata"]!["namespace"] = ns;
        var name = route.Path("metadata", "name")!.GetValue<string>();

        await client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(route, G, V, ns, P, fieldManager: "apisix-plugin");
        var read = await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(G, V, ns, P, name);
        await client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(G, V, ns, P, labelSelector: "app.kubernetes.io/part-of=shop");
        var patch = new JsonArray(
            new JsonObject { ["op"] = "test", ["path"] = "/metadata/resourceVersion", ["value"] = read.Path("metadata", "resourceVersion")!.DeepClone() },
            new JsonObject { ["op"] = "add", ["path"] = "/spec/http/0/backends/0/weight", ["value"] = 80 },
            new JsonObject { ["op"] = "add", ["path"] = "/spec/http/0/backends/1/weight", ["value"] = 20 });
        var patched = await client.CustomObjects.PatchNamespacedCustomObjectAsync<JsonObject>(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.JsonPatch), G, V, ns, P, name, fieldManager: "apisix-plugin");
        Assert.Equal(20, patched.Path("spec", "http")![0]!["backends"]![1]!["weight"]!.GetValue<long>());

        await client.CoreV1.CreateNamespacedEventAsync(RolloutEvent(ns), ns);

        var preconditions = new V1Preconditions
        {
            ResourceVersion = patched.Path("metadata", "resourceVersion")!.GetValue<string>(),
            Uid = patched.Path("metadata", "uid")!.GetValue<string>(),
        };
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync(G, V, ns, P, name, new V1DeleteOptions { Preconditions = preconditions });
    }

    /// <summary>The HTTP status of a call, 2xx or the error's.</summary>
    public static async Task<HttpStatusCode> StatusOfAsync(Func<Task> call)
    {
        try
        {
            await call();
            return HttpStatusCode.OK;
        }
        catch (HttpOperationException e)
        {
            return e.Response.StatusCode;
        }
    }

    /// <summary>SelfSubjectAccessReview: may this client do verb on group/resource in ns?</summary>
    public async Task<bool> MayAsync(string group, string resource, string verb, string ns)
    {
        var review = await client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
        {
            Spec = new V1SelfSubjectAccessReviewSpec
            {
                ResourceAttributes = new V1ResourceAttributes { Group = group, Resource = resource, Verb = verb, NamespaceProperty = ns },
            },
        });
        return review.Status.Allowed;
    }

    private static Corev1Event RolloutEvent(string ns) => new()
    {
        Metadata = new V1ObjectMeta { GenerateName = "rollouts-demo.", NamespaceProperty = ns },
        InvolvedObject = new V1ObjectReference { ApiVersion = "argoproj.io/v1alpha1", Kind = "Rollout", Name = "rollouts-demo", NamespaceProperty = ns },
        Type = "Normal",
        Reason = "WeightUpdated",
        Message = "rollouts-apisix-route/rollouts-apisix: canary 20, stable 80",
        Source = new V1EventSource { Component = "apisix-plugin" },
        FirstTimestamp = DateTime.UtcNow,
        LastTimestamp = DateTime.UtcNow,
        Count = 1,
    };
}
