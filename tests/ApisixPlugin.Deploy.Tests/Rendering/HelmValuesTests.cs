using System.Text.Json.Nodes;
using ApisixPlugin.Deploy.Tests.Support;

namespace ApisixPlugin.Deploy.Tests.Rendering;

/// <summary>
/// deploy/helm/values-argo-rollouts.yaml must install the same thing as the kustomize base: the
/// chart copies these values verbatim into the controller pod, ConfigMap and (Cluster)Role, so
/// comparing them with the rendered base keeps the two install paths in step.
/// </summary>
public sealed class HelmValuesTests
{
    private static readonly JsonObject Values = Yaml.LoadFile(DeployPaths.HelmValues).Single();

    [Fact]
    public async Task The_chart_gets_the_same_init_containers_as_the_kustomize_base()
    {
        var install = await RenderedInstall.RenderAsync(RenderedInstall.Variants.Native);

        var helm = Values.Path("controller", "initContainers")!.AsArray();

        Assert.Equal(Canonical(install.InitContainers), Canonical(helm));
    }

    [Fact]
    public async Task The_chart_gets_the_same_controller_mounts_and_volumes_as_the_kustomize_base()
    {
        var install = await RenderedInstall.RenderAsync(RenderedInstall.Variants.Native);

        var seed = new SeedInstall();

        // The chart has its own plugin-bin and tmp; what the plugin adds is the rest.
        var addedMounts = install.Container(DeployNames.ControllerContainer)["volumeMounts"]!.AsArray()
            .Where(m => !seed.MountNames(DeployNames.ControllerContainer).Contains(m!.Str("name")!));
        var addedVolumes = install.PodSpec["volumes"]!.AsArray().Where(v => !seed.VolumeNames.Contains(v!.Str("name")!));
        Assert.Equal(CanonicalSet(new JsonArray([.. addedMounts.Select(m => m!.DeepClone())])), CanonicalSet(Values.Path("controller", "volumeMounts")!.AsArray()));
        Assert.Equal(CanonicalSet(new JsonArray([.. addedVolumes.Select(v => v!.DeepClone())])), CanonicalSet(Values.Path("controller", "volumes")!.AsArray()));
    }

    [Fact]
    public async Task The_chart_registers_the_same_plugin_entry_as_the_kustomize_base()
    {
        var install = await RenderedInstall.RenderAsync(RenderedInstall.Variants.Native);

        var helmEntry = Assert.Single(Values.Path("controller", "trafficRouterPlugins")!.AsArray())!;

        Assert.Equal(Canonical(RenderedPodTests.RegisteredPlugin(install)), Canonical(helmEntry));
    }

    [Fact]
    public async Task The_chart_gets_the_same_pod_group_as_the_kustomize_base()
    {
        var install = await RenderedInstall.RenderAsync(RenderedInstall.Variants.Native);

        Assert.Equal(Canonical(new JsonObject { ["fsGroup"] = install.PodSpec.Path("securityContext", "fsGroup")!.DeepClone() }),
            Canonical(Values["podSecurityContext"]!));
    }

    [Fact]
    public void The_chart_adds_exactly_the_plugins_rbac_rules()
    {
        var rules = new JsonObject { ["rules"] = Values.Path("providerRBAC", "additionalRules")!.DeepClone() };

        Assert.Equal(DeployNames.PluginPermissions.Order(), RbacRules.Flatten(rules).Order());
    }

    [Fact]
    public void The_chart_values_only_set_the_keys_the_plugin_needs()
    {
        Assert.Equal(["controller", "podSecurityContext", "providerRBAC"], Values.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["initContainers", "trafficRouterPlugins", "volumeMounts", "volumes"],
            Values["controller"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// deploy/README.md ("Merging with your own values"): each list these values set is a list in
    /// the chart's values.yaml that its templates render whole, so Helm (which merges maps but
    /// replaces lists) keeps only the last -f's list: a user's own list must hold the plugin's entries.
    /// </summary>
    [Fact]
    public void Every_list_the_values_set_is_a_chart_list_rendered_whole_so_a_later_file_replaces_it()
    {
        var chart = DeployPaths.Upstream("argo-helm-argo-rollouts-2.41.0");
        var chartValues = Yaml.LoadFile(Path.Combine(chart, "values.yaml")).Single();
        var templates = string.Join('\n', Directory.GetFiles(Path.Combine(chart, "templates"), "*", SearchOption.AllDirectories).Select(File.ReadAllText));

        var lists = Lists(Values, "").ToList();

        Assert.Equal(["controller.initContainers", "controller.trafficRouterPlugins", "controller.volumeMounts", "controller.volumes", "providerRBAC.additionalRules"],
            lists.Order(StringComparer.Ordinal));
        foreach (var path in lists)
        {
            Assert.True(chartValues.Path(path.Split('.')) is JsonArray, $"{path} is not a list in the chart's values.yaml");
            Assert.Contains($".Values.{path}", templates, StringComparison.Ordinal);
        }

        // The chart's own list for the user's extra sidecars is left to the user.
        Assert.Null(Values.Path("controller", "extraContainers"));
    }

    private static IEnumerable<string> Lists(JsonObject node, string prefix) => node.SelectMany(p => p.Value switch
    {
        JsonArray => [prefix + p.Key],
        JsonObject o => Lists(o, prefix + p.Key + "."),
        _ => Array.Empty<string>(),
    });

    /// <summary>Key order and the image tag aside (the values pin one; kustomize sets one), equal means equal.</summary>
    private static string Canonical(JsonNode node) => Sorted(node)?.ToJsonString() ?? "null";

    /// <summary>For lists the API server merges by name, where order carries no meaning.</summary>
    private static string CanonicalSet(JsonArray items) =>
        new JsonArray([.. items.Select(Sorted).OrderBy(i => i?.ToJsonString(), StringComparer.Ordinal)]).ToJsonString();

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Key == "image" ? JsonValue.Create(Untagged(p.Value!.GetValue<string>())) : Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };

    private static string Untagged(string image) => image[..image.LastIndexOf(':')];
}
