using System.Text.Json.Nodes;
using ApisixPlugin.Deploy.Tests.Support;

namespace ApisixPlugin.Deploy.Tests.Rendering;

/// <summary>Every container the plugin adds is locked down the same way, in every variant.</summary>
public sealed class RenderedSecurityTests
{
    private static readonly SeedInstall Seed = new();

    public static TheoryData<string> Variants => [.. RenderedInstall.Variants.All];

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Every_added_container_is_non_root_read_only_and_drops_all_capabilities(string variant)
    {
        var install = await RenderedInstall.RenderAsync(variant);

        foreach (var name in DeployNames.AddedContainers)
        {
            AssertRestricted(variant, name, install.Container(name)["securityContext"]?.AsObject());
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Added_containers_run_the_retaggable_plugin_image(string variant)
    {
        var install = await RenderedInstall.RenderAsync(variant);

        foreach (var name in DeployNames.AddedContainers)
        {
            var image = install.Container(name).Str("image");
            Assert.Matches($"^{DeployNames.Image}:[0-9A-Za-z._-]+$", image);
        }
    }

    [Fact]
    public async Task A_users_kustomization_retags_every_plugin_container_with_kustomize_images()
    {
        var install = await RenderedInstall.RenderAsync(RenderedInstall.Variants.Native, $"""
            images:
              - name: {DeployNames.Image}
                newName: registry.example.internal/mirror/apisix-plugin
                newTag: 9.9.9-test
            """);

        Assert.All(DeployNames.AddedContainers, name =>
            Assert.Equal("registry.example.internal/mirror/apisix-plugin:9.9.9-test", install.Container(name).Str("image")));
        Assert.Equal(ArgoRolloutsSeed.ControllerImage, install.Container(DeployNames.ControllerContainer).Str("image"));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task The_controller_container_only_gains_volume_mounts(string variant)
    {
        var install = await RenderedInstall.RenderAsync(variant);
        var seed = Seed.Container(DeployNames.ControllerContainer);

        var controller = install.Container(DeployNames.ControllerContainer).DeepClone().AsObject();
        var mounts = controller["volumeMounts"]!.AsArray().Select(m => m!.Str("name")).ToList();
        controller.Remove("volumeMounts");
        var seedWithoutMounts = seed.DeepClone().AsObject();
        seedWithoutMounts.Remove("volumeMounts");

        Assert.True(JsonNode.DeepEquals(seedWithoutMounts, controller), $"{variant} changed the controller container beyond its mounts");
        Assert.Equal(["apisix-plugin-bin", "apisix-plugin-socket", "plugin-bin", "tmp"], mounts.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The pod's own settings stay; the plugin adds only the shared group through which the
    /// controller reaches the sidecar's 0660 socket, and which the sidecar itself runs as.
    /// </summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public async Task The_pod_keeps_its_own_volumes_and_security_context_and_gains_the_sockets_group(string variant)
    {
        var install = await RenderedInstall.RenderAsync(variant);

        var context = install.PodSpec["securityContext"]!.DeepClone().AsObject();
        Assert.True(context.Remove("fsGroup", out var group), $"{variant}: the pod has no fsGroup");
        Assert.Equal(install.Container(DeployNames.Sidecar).Path("securityContext", "runAsGroup")!.GetValue<long>(), group!.GetValue<long>());
        Assert.True(JsonNode.DeepEquals(Seed.PodSpec["securityContext"], context));
        Assert.Equal(["apisix-plugin-bin", "apisix-plugin-socket", "apisix-plugin-tmp", "plugin-bin", "tmp"],
            install.PodSpec["volumes"]!.AsArray().Select(v => v!.Str("name")).Order(StringComparer.Ordinal));
    }

    private static void AssertRestricted(string variant, string container, JsonObject? context)
    {
        Assert.True(context is not null, $"{variant}: {container} has no securityContext");
        Assert.True(context["runAsNonRoot"]?.GetValue<bool>() == true, $"{variant}: {container} runAsNonRoot");
        Assert.True(context["runAsUser"]?.GetValue<long>() is > 0, $"{variant}: {container} runAsUser must be a non-zero uid");
        Assert.True(context["readOnlyRootFilesystem"]?.GetValue<bool>() == true, $"{variant}: {container} readOnlyRootFilesystem");
        Assert.True(context["allowPrivilegeEscalation"]?.GetValue<bool>() == false, $"{variant}: {container} allowPrivilegeEscalation");
        Assert.Equal(["ALL"], context.Path("capabilities", "drop").Strings());
        Assert.Null(context.Path("capabilities", "add"));
        Assert.Equal("RuntimeDefault", context.Path("seccompProfile", "type")?.GetValue<string>());
        Assert.Null(context["privileged"]);
    }
}
