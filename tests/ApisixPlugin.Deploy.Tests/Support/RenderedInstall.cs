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
    /// Renders a variant the way an operator adds the plugin to an install of their own: a
    /// kustomization whose resources are an Argo Rollouts install (<see cref="ArgoRolloutsSeed"/>)
    /// and whose components are the variant's (<see cref="Variants"/>: component folder names under
    /// deploy/kustomize/components joined by '+'). <paramref name="extra"/> is appended to it.
    /// </summary>
    public static Task<RenderedInstall> RenderAsync(string variant, string extra = "") =>
        extra.Length == 0 ? Rendered.GetOrAdd(variant, v => RenderUncachedAsync(v, "")) : RenderUncachedAsync(variant, extra);

    /// <summary>Like <see cref="RenderAsync"/> with an install of the test's own instead of the seed.</summary>
    public static async Task<RenderedInstall> RenderOverAsync(string variant, string installYaml, string extra = "")
    {
        using var dir = new TempKustomization();
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "argo-rollouts.yaml"), installYaml);
        var components = string.Join("", ComponentsOf(variant).Select(c => $"\n  - {dir.Relative(DeployPaths.Kustomize(c))}"));
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "kustomization.yaml"), $"""
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
              - argo-rollouts.yaml
            components:{components}

            """ + extra);
        return await RenderDirectoryAsync(variant, dir.Path);
    }

    /// <summary>The variants: what a user lists under `components:`.</summary>
    public static class Variants
    {
        public const string Native = "apisix-plugin";
        public const string Plain = "apisix-plugin+plain-container";
        public const string Namespaced = "apisix-plugin-namespaced";
        public const string NamespacedPlain = "apisix-plugin-namespaced+plain-container";

        public static IReadOnlyList<string> All { get; } = [Native, Plain, Namespaced, NamespacedPlain];
    }

    public static IEnumerable<string> ComponentsOf(string variant) => variant.Split('+').Select(c => $"components/{c}");

    /// <summary>`kubectl kustomize` of a directory, parsed.</summary>
    public static async Task<RenderedInstall> RenderDirectoryAsync(string name, string directory)
    {
        var yaml = await Kubectl.KustomizeAsync(directory);
        return new RenderedInstall(name, yaml, Support.Yaml.ParseDocuments(yaml));
    }

    private static Task<RenderedInstall> RenderUncachedAsync(string variant, string extra) =>
        RenderOverAsync(variant, ArgoRolloutsSeed.Yaml, extra);

    public JsonObject? Find(string kind, string name) =>
        Objects.SingleOrDefault(o => o.Str("kind") == kind && o.Path("metadata", "name")?.GetValue<string>() == name);

    public JsonObject Single(string kind, string name) =>
        Find(kind, name) ?? throw new Xunit.Sdk.XunitException($"{Variant}: no {kind} {name} rendered");

    /// <summary>
    /// The rules of the controller's ClusterRole that the install it was rendered over did not
    /// have: what the plugin added (none for the namespaced variants).
    /// </summary>
    public JsonArray AddedControllerRules(JsonObject? before)
    {
        var had = before?["rules"]?.AsArray().Select(r => r!.ToJsonString()).ToHashSet() ?? [];
        var rules = Find("ClusterRole", DeployNames.ControllerRole)?["rules"]?.AsArray() ?? [];
        return [.. rules.Where(r => !had.Contains(r!.ToJsonString())).Select(r => r!.DeepClone())];
    }

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

/// <summary>A temporary folder for a kustomization of a test's own, deleted on dispose.</summary>
internal sealed class TempKustomization : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("apisix-plugin-kustomize-");

    public string Path => _dir.FullName;

    /// <summary>kustomize only takes relative paths to other kustomizations.</summary>
    public string Relative(string target) => System.IO.Path.GetRelativePath(Path, target);

    public void Dispose() => _dir.Delete(recursive: true);
}
