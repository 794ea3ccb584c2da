using System.Text.Json.Nodes;

namespace ApisixPlugin.Deploy.Tests.Support;

/// <summary>The parsed <see cref="ArgoRolloutsSeed"/>: what was there before the plugin's patches.</summary>
internal sealed class SeedInstall
{
    public IReadOnlyList<JsonObject> Objects { get; } = Yaml.ParseDocuments(ArgoRolloutsSeed.Yaml);

    public JsonObject ControllerRole => Objects.Single(o => o.Str("kind") == "ClusterRole");

    public JsonObject PodSpec => Objects.Single(o => o.Str("kind") == "Deployment").Path("spec", "template", "spec")!.AsObject();

    public JsonObject Container(string name) =>
        PodSpec["containers"]!.AsArray().OfType<JsonObject>().Single(c => c.Str("name") == name);

    public IReadOnlySet<string> VolumeNames => PodSpec["volumes"]!.AsArray().Select(v => v!.Str("name")!).ToHashSet();

    public IReadOnlySet<string> MountNames(string container) =>
        Container(container)["volumeMounts"]!.AsArray().Select(m => m!.Str("name")!).ToHashSet();
}
