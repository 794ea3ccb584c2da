using System.Text.Json.Nodes;
using ApisixPlugin.Deploy.Tests.Support;

namespace ApisixPlugin.Deploy.Tests.Rendering;

/// <summary>
/// The pod wiring: the bridge file lands where argo-rollouts-config says, the socket path is the
/// same for the bridge and the sidecar, and the sidecar runs as a native or a plain sidecar.
/// </summary>
public sealed class RenderedPodTests
{
    public static TheoryData<string> Variants => [.. RenderedInstall.Variants.All];

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task The_registered_file_location_is_where_the_install_step_copies_the_bridge(string variant)
    {
        var install = await RenderedInstall.RenderAsync(variant);
        var plugin = RegisteredPlugin(install);

        var location = new Uri(plugin.Str("location")!);
        Assert.Equal("file", location.Scheme);
        Assert.Equal("", location.Host);

        var step = install.Container(DeployNames.InstallStep);
        Assert.Equal([DeployNames.BridgeInImage, "install", location.AbsolutePath], step["command"].Strings());

        // The same volume, mounted at the same path in the install step and (read-only) in the controller.
        var directory = Path.GetDirectoryName(location.AbsolutePath)!;
        Assert.Equal(directory, install.MountPath(DeployNames.InstallStep, "apisix-plugin-bin"));
        Assert.Equal(directory, install.MountPath(DeployNames.ControllerContainer, "apisix-plugin-bin"));
        Assert.Equal(DeployNames.BridgeFileName, Path.GetFileName(location.AbsolutePath));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task The_bridge_and_the_sidecar_meet_on_one_socket_in_a_shared_volume(string variant)
    {
        var install = await RenderedInstall.RenderAsync(variant);

        var bridgeSocket = ValueAfter(RegisteredPlugin(install)["args"].Strings(), "--socket");
        var sidecarArgs = install.Container(DeployNames.Sidecar)["args"].Strings();
        Assert.Equal("serve", sidecarArgs[0]);
        Assert.Equal(bridgeSocket, ValueAfter(sidecarArgs, "--socket"));

        var directory = Path.GetDirectoryName(bridgeSocket);
        Assert.Equal(directory, install.MountPath(DeployNames.Sidecar, "apisix-plugin-socket"));
        Assert.Equal(directory, install.MountPath(DeployNames.ControllerContainer, "apisix-plugin-socket"));
        Assert.Equal("/tmp", install.MountPath(DeployNames.Sidecar, "apisix-plugin-tmp"));

        var volumes = install.PodSpec["volumes"]!.AsArray().OfType<JsonObject>().ToDictionary(v => v.Str("name")!);
        Assert.All(["apisix-plugin-bin", "apisix-plugin-socket", "apisix-plugin-tmp"], name =>
            Assert.NotNull(volumes[name]["emptyDir"]));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task The_registration_is_one_entry_named_like_the_rollout_plugin_key(string variant)
    {
        var install = await RenderedInstall.RenderAsync(variant);

        var entries = Yaml.ParseSingle($"list: {Environment.NewLine}" + Indent(ConfigMapEntry(install)))["list"]!.AsArray();

        var entry = Assert.Single(entries)!.AsObject();
        Assert.Equal(DeployNames.PluginName, entry.Str("name"));
        Assert.Equal(["args", "location", "name"], entry.Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(RenderedInstall.Variants.Native)]
    [InlineData(RenderedInstall.Variants.Namespaced)]
    public async Task The_native_variants_start_the_sidecar_before_the_controller_and_probe_its_healthz(string variant)
    {
        var install = await RenderedInstall.RenderAsync(variant);

        var initNames = install.InitContainers.Select(c => c!.Str("name")).ToList();
        Assert.Equal([DeployNames.InstallStep, DeployNames.Sidecar], initNames);
        Assert.Equal("Always", install.Container(DeployNames.Sidecar).Str("restartPolicy"));
        Assert.Null(install.Container(DeployNames.InstallStep)["restartPolicy"]);
        Assert.DoesNotContain(DeployNames.Sidecar, install.Containers.Select(c => c!.Str("name")));
        AssertProbesHitTheMetricsPort(install.Container(DeployNames.Sidecar));
    }

    [Theory]
    [InlineData(RenderedInstall.Variants.Plain)]
    [InlineData(RenderedInstall.Variants.NamespacedPlain)]
    public async Task The_plain_container_variants_run_the_sidecar_beside_the_controller(string variant)
    {
        var install = await RenderedInstall.RenderAsync(variant);

        Assert.Equal([DeployNames.InstallStep], install.InitContainers.Select(c => c!.Str("name")));
        Assert.Equal([DeployNames.ControllerContainer, DeployNames.Sidecar], install.Containers.Select(c => c!.Str("name")));
        Assert.Null(install.Container(DeployNames.Sidecar)["restartPolicy"]);
        AssertProbesHitTheMetricsPort(install.Container(DeployNames.Sidecar));
    }

    /// <summary>The plugin's own entry in argo-rollouts-config (exactly one).</summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Check_finds_the_bridge_and_the_sidecar_where_the_registration_says_in_every_variant(string variant)
    {
        var install = await RenderedInstall.RenderAsync(variant);
        var socket = ValueAfter(RegisteredPlugin(install)["args"].Strings(), "--socket");
        var registration = new Core.Preflight.ControllerConfigRead.Found("argo-rollouts", DeployNames.ConfigMap, new JsonArray(RegisteredPlugin(install).DeepClone()), null, HasKey: true);
        var (_, entry) = Core.Preflight.ControllerRegistration.Inspect(DeployNames.PluginName, socket, registration);
        // The client's JSON options freeze at first use; the cluster tests in this assembly need
        // the route types in them, whichever test runs first.
        Kubernetes.Json.KubernetesJsonTypes.Register();
        var deployment = k8s.KubernetesJson.Deserialize<k8s.Models.V1Deployment>(install.Deployment.ToJsonString());

        var findings = Core.Preflight.ControllerPod.Check(
            new Core.Preflight.ControllerPodRead.Found("argo-rollouts", DeployNames.Deployment, Kubernetes.Preflight.PodWiring.Containers(deployment.Spec.Template.Spec)),
            entry, socket);

        // The same rules `check` runs on the live Deployment; the native variants exist here only (the test API server is v1.20).
        Assert.Equal(2, findings.Count);
        Assert.All(findings, f => Assert.True(f.Status == Core.Preflight.FindingStatus.Pass, $"{variant}: {f.Message}"));
        Assert.StartsWith(variant.Contains("plain-container", StringComparison.Ordinal) ? "container apisix-plugin serves" : "native sidecar apisix-plugin serves",
            findings[1].Message, StringComparison.Ordinal);
    }

    internal static JsonObject RegisteredPlugin(RenderedInstall install) =>
        RegisteredPlugins(install).Single(e => e.Str("name") == DeployNames.PluginName);

    /// <summary>Every trafficRouterPlugins entry, parsed the way the controller reads the value (a YAML list).</summary>
    internal static IReadOnlyList<JsonObject> RegisteredPlugins(RenderedInstall install) =>
        [.. Yaml.ParseSingle("list:\n" + Indent(ConfigMapEntry(install)))["list"]!.AsArray().Select(e => e!.AsObject())];

    private static string ConfigMapEntry(RenderedInstall install) =>
        install.Single("ConfigMap", DeployNames.ConfigMap).Path("data", "trafficRouterPlugins")?.GetValue<string>()
        ?? throw new Xunit.Sdk.XunitException("argo-rollouts-config has no trafficRouterPlugins");

    private static void AssertProbesHitTheMetricsPort(JsonObject sidecar)
    {
        var metricsPort = long.Parse(ValueAfter(sidecar["args"].Strings(), "--metrics-port"), System.Globalization.CultureInfo.InvariantCulture);
        var port = sidecar["ports"]!.AsArray().OfType<JsonObject>().Single(p => p["containerPort"]!.GetValue<long>() == metricsPort);
        foreach (var probe in new[] { "startupProbe", "livenessProbe" })
        {
            var httpGet = sidecar.Path(probe, "httpGet");
            Assert.True(httpGet is not null, $"{probe} must be an httpGet probe");
            Assert.Equal("/healthz", httpGet.Str("path"));
            Assert.Equal(port.Str("name"), httpGet.Str("port"));
        }

    }

    private static string ValueAfter(IReadOnlyList<string> args, string flag)
    {
        var index = args.ToList().IndexOf(flag);
        Assert.True(index >= 0 && index + 1 < args.Count, $"{flag} missing from [{string.Join(", ", args)}]");
        return args[index + 1];
    }

    private static string Indent(string text) =>
        string.Join('\n', text.Split('\n').Select(line => "  " + line));
}
