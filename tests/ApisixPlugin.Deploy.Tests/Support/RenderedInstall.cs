using System.Text.Json.Nodes;

namespace ApisixPlugin.Deploy.Tests.Support;

/// <summary>One kustomize variant of deploy/kustomize, rendered, with lookups by kind and name.</summary>
internal sealed class RenderedInstall
{
    private RenderedInstall(string variant, string yaml, IReadOnlyList<JsonObject> objects)
    {
        Variant = variant;
        Yaml = yaml;
        Objects = objects;
    }

    /// <summary>One render per variant per test run: tests only read it (they clone before changing).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<RenderedInstall>> Rendered = new();

    public string Variant { get; }

    /// <summary>The multi-document YAML kubectl printed.</summary>
    public string Yaml { get; }

    public IReadOnlyList<JsonObject> Objects { get; }

    public JsonObject Deployment => Single("Deployment", DeployNames.Deployment);

    public JsonObject PodSpec => Deployment.Path("spec", "template", "spec")?.AsObject()
        ?? throw new Xunit.Sdk.XunitException($"{Variant}: the Deployment has no pod spec");

    public JsonArray InitContainers => PodSpec["initContainers"]?.AsArray() ?? [];

    public JsonArray Containers => PodSpec["containers"]?.AsArray() ?? [];

    /// <summary>
    /// Renders a variant ("base", "overlays/plain-container", ...) the way an operator uses it: a
    /// kustomization whose resources are an Argo Rollouts install (<see cref="ArgoRolloutsSeed"/>)
    /// and whose components include the variant. <paramref name="extra"/> is appended to it.
    /// </summary>
    public static Task<RenderedInstall> RenderAsync(string variant, string extra = "") =>
        extra.Length == 0 ? Rendered.GetOrAdd(variant, v => RenderUncachedAsync(v, "")) : RenderUncachedAsync(variant, extra);

    private static async Task<RenderedInstall> RenderUncachedAsync(string variant, string extra)
    {
        var dir = Directory.CreateTempSubdirectory("apisix-plugin-kustomize-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "argo-rollouts.yaml"), ArgoRolloutsSeed.Yaml);
            // kustomize only takes relative paths to other kustomizations.
            var component = Path.GetRelativePath(dir.FullName, DeployPaths.Kustomize(variant));
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "kustomization.yaml"), $"""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - argo-rollouts.yaml
                components:
                  - {component}

                """ + extra);
            var yaml = await Kubectl.KustomizeAsync(dir.FullName);
            return new RenderedInstall(variant, yaml, Support.Yaml.ParseDocuments(yaml));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    public JsonObject? Find(string kind, string name) =>
        Objects.SingleOrDefault(o => o.Str("kind") == kind && o.Path("metadata", "name")?.GetValue<string>() == name);

    public JsonObject Single(string kind, string name) =>
        Find(kind, name) ?? throw new Xunit.Sdk.XunitException($"{Variant}: no {kind} {name} rendered");

    /// <summary>A container of the pod by name, from initContainers or containers.</summary>
    public JsonObject Container(string name) =>
        InitContainers.Concat(Containers).OfType<JsonObject>().SingleOrDefault(c => c.Str("name") == name)
        ?? throw new Xunit.Sdk.XunitException($"{Variant}: no container {name}");

    /// <summary>Where the given container mounts the named volume.</summary>
    public string MountPath(string container, string volume) =>
        Container(container)["volumeMounts"]?.AsArray().OfType<JsonObject>()
            .SingleOrDefault(m => m.Str("name") == volume)?.Str("mountPath")
        ?? throw new Xunit.Sdk.XunitException($"{Variant}: container {container} does not mount {volume}");
}

/// <summary>Short reads of JSON trees.</summary>
internal static class JsonPaths
{
    public static JsonNode? Path(this JsonNode node, params string[] keys)
    {
        JsonNode? current = node;
        foreach (var key in keys)
        {
            current = current?[key];
        }

        return current;
    }

    public static string? Str(this JsonNode node, string key) => node[key]?.GetValue<string>();

    public static IReadOnlyList<string> Strings(this JsonNode? node) =>
        node?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [];
}
