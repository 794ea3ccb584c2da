using System.Text.Json.Nodes;
using ApisixPlugin.Deploy.Tests.Support;
using ApisixPlugin.Testing;

namespace ApisixPlugin.Deploy.Tests.Cluster;

/// <summary>
/// The rendered install applied to the real kube-apiserver on top of an Argo Rollouts install.
/// The test server is v1.20: it has no native sidecars, so only the plain-container Deployment can
/// land there; for the native variants the server is shown to refuse exactly the native-sidecar
/// fields and to accept everything else (their structure is checked by the Rendering tests).
/// </summary>
[Collection(DeployKubeCollection.Name)]
public sealed class InstallApplyTests(KubeClusterFixture cluster)
{
    [Fact]
    public async Task The_plain_container_variant_passes_server_side_dry_run_and_merges_into_the_live_install()
    {
        var apply = await ClusterApply.InNewNamespaceAsync(cluster);
        await apply.SeedArgoRolloutsAsync();
        var install = await RenderedInstall.RenderAsync(RenderedInstall.Variants.Plain);
        var before = await apply.GetAsync("deployment", DeployNames.Deployment);

        foreach (var rendered in install.Objects)
        {
            (await apply.ApplyAsync(apply.Relocate(rendered), dryRun: true)).EnsureSuccess();
        }

        Assert.Equal(Rv(before), Rv(await apply.GetAsync("deployment", DeployNames.Deployment)));
        foreach (var rendered in install.Objects)
        {
            (await apply.ApplyAsync(apply.Relocate(rendered), dryRun: false)).EnsureSuccess();
        }

        var pod = (await apply.GetAsync("deployment", DeployNames.Deployment)).Path("spec", "template", "spec")!.AsObject();
        var containers = pod["containers"]!.AsArray().OfType<JsonObject>().ToDictionary(c => c.Str("name")!);
        Assert.Equal([DeployNames.ControllerContainer, DeployNames.Sidecar], containers.Keys);
        Assert.Equal([DeployNames.InstallStep], pod["initContainers"]!.AsArray().Select(c => c!.Str("name")));

        // The controller keeps everything it had; the plugin only added two mounts.
        var controller = containers[DeployNames.ControllerContainer];
        Assert.Equal(ArgoRolloutsSeed.ControllerImage, controller.Str("image"));
        Assert.Equal(["--healthzPort=8080", "--metricsPort=8090"], controller["args"].Strings());
        Assert.Equal(["apisix-plugin-bin", "apisix-plugin-socket", "plugin-bin", "tmp"],
            controller["volumeMounts"]!.AsArray().Select(m => m!.Str("name")!).Order(StringComparer.Ordinal));
        Assert.Equal(["apisix-plugin-bin", "apisix-plugin-socket", "apisix-plugin-tmp", "plugin-bin", "tmp"],
            pod["volumes"]!.AsArray().Select(v => v!.Str("name")!).Order(StringComparer.Ordinal));

        // Every security setting survived the round trip (none was dropped as unknown).
        foreach (var name in DeployNames.AddedContainers)
        {
            var live = pod["initContainers"]!.AsArray().Concat(pod["containers"]!.AsArray()).Single(c => c!.Str("name") == name)!;
            Assert.True(JsonNode.DeepEquals(install.Container(name)["securityContext"], live["securityContext"]), $"{name} securityContext changed");
            Assert.True(JsonNode.DeepEquals(install.Container(name)["volumeMounts"], live["volumeMounts"]), $"{name} volumeMounts changed");
        }

        var config = await apply.GetAsync("configmap", DeployNames.ConfigMap);
        Assert.Equal(["metricProviderPlugins", "trafficRouterPlugins"], config["data"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(install.Single("ConfigMap", DeployNames.ConfigMap).Path("data", "trafficRouterPlugins")!.GetValue<string>(),
            config.Path("data", "trafficRouterPlugins")!.GetValue<string>());
    }

    [Fact]
    public async Task Applying_the_plain_container_variant_again_writes_nothing()
    {
        var apply = await ClusterApply.InNewNamespaceAsync(cluster);
        await apply.SeedArgoRolloutsAsync();
        var install = await RenderedInstall.RenderAsync(RenderedInstall.Variants.Plain);
        foreach (var rendered in install.Objects)
        {
            (await apply.ApplyAsync(apply.Relocate(rendered), dryRun: false)).EnsureSuccess();
        }

        var first = await apply.GetAsync("deployment", DeployNames.Deployment);
        foreach (var rendered in install.Objects)
        {
            (await apply.ApplyAsync(apply.Relocate(rendered), dryRun: false)).EnsureSuccess();
        }

        var second = await apply.GetAsync("deployment", DeployNames.Deployment);
        Assert.Equal(Rv(first), Rv(second));
        Assert.Equal(2, second.Path("metadata", "generation")!.GetValue<long>());
    }

    [Theory]
    [InlineData(RenderedInstall.Variants.Native)]
    [InlineData(RenderedInstall.Variants.Namespaced)]
    public async Task Native_sidecar_variants_pass_dry_run_but_for_the_native_sidecar_fields_v1_20_does_not_know(string variant)
    {
        var apply = await ClusterApply.InNewNamespaceAsync(cluster);
        await apply.SeedArgoRolloutsAsync();
        var install = await RenderedInstall.RenderAsync(variant);

        foreach (var rendered in install.Objects.Where(o => o.Str("kind") != "Deployment"))
        {
            (await apply.ApplyAsync(apply.Relocate(rendered), dryRun: true)).EnsureSuccess();
        }

        // Server-side apply builds a typed object, so the server names the unknown field itself
        // (client-side validation is off so that kubectl does not answer first).
        var rejected = await apply.ApplyAsync(apply.Relocate(install.Deployment), dryRun: true, serverSide: true, clientValidation: false);
        Assert.NotEqual(0, rejected.ExitCode);
        Assert.Contains($"initContainers[name=\"{DeployNames.Sidecar}\"].restartPolicy: field not declared in schema", rejected.StdErr, StringComparison.Ordinal);

        // v1.20 also refuses probes on init containers; without the three native-sidecar fields
        // the rest of the Deployment is valid for the server.
        var withoutNativeFields = apply.Relocate(install.Deployment);
        var sidecar = withoutNativeFields.Path("spec", "template", "spec", "initContainers")!.AsArray()
            .Single(c => c!.Str("name") == DeployNames.Sidecar)!.AsObject();
        foreach (var field in new[] { "restartPolicy", "startupProbe", "livenessProbe" })
        {
            Assert.True(sidecar.Remove(field), $"the native sidecar has no {field}");
        }

        (await apply.ApplyAsync(withoutNativeFields, dryRun: true, serverSide: true)).EnsureSuccess();
    }

    private static string Rv(JsonObject obj) => obj.Path("metadata", "resourceVersion")!.GetValue<string>();
}
