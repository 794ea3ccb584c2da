using System.Net;
using ApisixPlugin.Kubernetes.Manifests;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace ApisixPlugin.Testing.Crds;

/// <summary>Applies a CRD file and waits until the API server actually serves its resource.</summary>
internal static class CrdInstaller
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static async Task InstallAsync(IKubernetes admin, ApisixCrd crd, CancellationToken cancellationToken)
    {
        var definitions = ManifestYaml.ReadDocuments(await File.ReadAllTextAsync(crd.YamlPath, cancellationToken), crd.YamlPath)
            .Where(d => (string?)d["kind"] == "CustomResourceDefinition")
            .Select(d => KubernetesJson.Deserialize<V1CustomResourceDefinition>(d.ToJsonString()))
            .ToList();
        if (definitions.Count == 0)
        {
            throw new InvalidOperationException($"{crd.YamlPath} holds no CustomResourceDefinition");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        foreach (var definition in definitions)
        {
            await admin.ApiextensionsV1.CreateCustomResourceDefinitionAsync(definition, cancellationToken: deadline.Token);
            await WaitEstablishedAsync(admin, definition.Metadata.Name, deadline.Token);
        }

        await WaitServedAsync(admin, deadline.Token);
    }

    private static async Task WaitEstablishedAsync(IKubernetes admin, string name, CancellationToken cancellationToken)
    {
        while (true)
        {
            var current = await admin.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name, cancellationToken: cancellationToken);
            if (current.Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true)
            {
                return;
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    // Established can precede the discovery and REST handlers by a moment; a list proves it is served.
    private static async Task WaitServedAsync(IKubernetes admin, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await admin.CustomObjects.ListNamespacedCustomObjectAsync(
                    ApisixCrd.Group, ApisixCrd.Version, "default", ApisixCrd.Plural, cancellationToken: cancellationToken);
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }
}
