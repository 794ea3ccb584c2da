using System.Net;
using ApisixPlugin.Kubernetes.Manifests;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace ApisixPlugin.Testing.Crds;

/// <summary>Applies the CRDs of a file and waits until the API server actually serves their resources.</summary>
internal static class CrdInstaller
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static Task InstallAsync(IKubernetes admin, ApisixCrd crd, CancellationToken cancellationToken) =>
        InstallAsync(admin, crd.YamlPath, _ => true, cancellationToken);

    /// <summary>The CustomResourceDefinitions of <paramref name="yamlPath"/> that <paramref name="which"/> picks, each served before this returns.</summary>
    public static async Task InstallAsync(IKubernetes admin, string yamlPath, Func<V1CustomResourceDefinition, bool> which, CancellationToken cancellationToken)
    {
        var definitions = ManifestYaml.ReadDocuments(await File.ReadAllTextAsync(yamlPath, cancellationToken), yamlPath)
            .Where(d => (string?)d["kind"] == "CustomResourceDefinition")
            .Select(d => KubernetesJson.Deserialize<V1CustomResourceDefinition>(d.ToJsonString()))
            .Where(which)
            .ToList();
        if (definitions.Count == 0)
        {
            throw new InvalidOperationException($"{yamlPath} holds no CustomResourceDefinition to install");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        foreach (var definition in definitions)
        {
            await admin.ApiextensionsV1.CreateCustomResourceDefinitionAsync(definition, cancellationToken: deadline.Token);
            await WaitEstablishedAsync(admin, definition.Metadata.Name, deadline.Token);
        }

        foreach (var definition in definitions)
        {
            await WaitServedAsync(admin, definition, deadline.Token);
        }
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

    // Established can precede the discovery and REST handlers by a moment; a list of every served version proves it is served.
    private static async Task WaitServedAsync(IKubernetes admin, V1CustomResourceDefinition definition, CancellationToken cancellationToken)
    {
        foreach (var version in definition.Spec.Versions.Where(v => v.Served))
        {
            while (true)
            {
                try
                {
                    await admin.CustomObjects.ListNamespacedCustomObjectAsync(
                        definition.Spec.Group, version.Name, "default", definition.Spec.Names.Plural, cancellationToken: cancellationToken);
                    break;
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
                {
                    await Task.Delay(100, cancellationToken);
                }
            }
        }
    }
}
