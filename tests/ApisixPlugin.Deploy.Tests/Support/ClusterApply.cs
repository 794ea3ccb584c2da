using System.Text.Json.Nodes;
using ApisixPlugin.Testing;
using ApisixPlugin.Testing.Cluster;
using ApisixPlugin.Testing.Processes;
using k8s;

namespace ApisixPlugin.Deploy.Tests.Support;

/// <summary>
/// Applies rendered objects to the test API server with kubectl, the way the deploy README tells
/// operators to (`kubectl apply` of the rendered kustomization). Each test gets its own namespace
/// standing in for argo-rollouts, and its own names for cluster-scoped objects.
/// </summary>
internal sealed class ClusterApply(KubeClusterFixture cluster, string ns)
{
    public const string FieldManager = "apisix-plugin";

    public string Namespace => ns;

    public static async Task<ClusterApply> InNewNamespaceAsync(KubeClusterFixture cluster) =>
        new(cluster, await cluster.CreateNamespaceAsync("argo-rollouts"));

    /// <summary>
    /// A rendered object moved from argo-rollouts to this test's namespace (cluster-scoped ones
    /// renamed for this test). <paramref name="keepSubjects"/>: binding subjects stay as rendered,
    /// for tests of where the render itself points them.
    /// </summary>
    public JsonObject Relocate(JsonObject rendered, bool keepSubjects = false)
    {
        var copy = rendered.DeepClone().AsObject();
        var metadata = copy["metadata"]!.AsObject();
        if (metadata["namespace"] is not null)
        {
            metadata["namespace"] = ns;
        }
        else
        {
            metadata["name"] = $"{metadata["name"]}-{ns}";
        }

        if (copy["roleRef"]?["kind"]?.GetValue<string>() == "ClusterRole")
        {
            copy["roleRef"]!["name"] = $"{copy["roleRef"]!["name"]}-{ns}";
        }

        foreach (var subject in keepSubjects ? [] : copy["subjects"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            subject["namespace"] = ns;
        }

        return copy;
    }

    /// <summary>
    /// `kubectl apply` of one object as the admin, as `kubectl apply -k` does for an operator;
    /// server-side apply on request. Returns the result, success or not.
    /// </summary>
    public Task<ProcessResult> ApplyAsync(JsonObject obj, bool dryRun, bool serverSide = false, bool clientValidation = true)
    {
        var args = new List<string>
        {
            "--kubeconfig", cluster.KubeconfigFor(KubeUsers.Admin),
            "apply", $"--dry-run={(dryRun ? "server" : "none")}", $"--validate={(clientValidation ? "strict" : "false")}",
            "-o", "json", "-f", "-",
        };
        if (serverSide)
        {
            args.AddRange(["--server-side", $"--field-manager={FieldManager}"]);
        }

        return Kubectl.RunAsync(args, obj.ToJsonString());
    }

    /// <summary>May ServiceAccount saNamespace/name do verb on group/resource in ns? (a SubjectAccessReview by the admin)</summary>
    public async Task<bool> ServiceAccountMayAsync(string saNamespace, string name, (string Group, string Resource, string Verb) call, string inNamespace)
    {
        var review = await cluster.Admin.AuthorizationV1.CreateSubjectAccessReviewAsync(new k8s.Models.V1SubjectAccessReview
        {
            Spec = new k8s.Models.V1SubjectAccessReviewSpec
            {
                User = $"system:serviceaccount:{saNamespace}:{name}",
                Groups = ["system:serviceaccounts", $"system:serviceaccounts:{saNamespace}", "system:authenticated"],
                ResourceAttributes = new k8s.Models.V1ResourceAttributes
                {
                    Group = call.Group, Resource = call.Resource, Verb = call.Verb, NamespaceProperty = inNamespace,
                },
            },
        });
        return review.Status.Allowed;
    }

    /// <summary>kubectl get -o json of one object as the admin.</summary>
    public async Task<JsonObject> GetAsync(string kind, string name, bool namespaced = true)
    {
        var args = new List<string> { "--kubeconfig", cluster.KubeconfigFor(KubeUsers.Admin), "get", kind, name, "-o", "json" };
        if (namespaced)
        {
            args.AddRange(["-n", ns]);
        }

        var result = await Kubectl.RunAsync(args);
        return JsonNode.Parse(result.EnsureSuccess().StdOut)!.AsObject();
    }

    /// <summary>The Argo Rollouts install (<see cref="ArgoRolloutsSeed"/>) in this namespace, applied as upstream says: client-side.</summary>
    public async Task SeedArgoRolloutsAsync()
    {
        foreach (var obj in new SeedInstall().Objects)
        {
            (await ApplyAsync(Relocate(obj), dryRun: false)).EnsureSuccess();
        }
    }
}
