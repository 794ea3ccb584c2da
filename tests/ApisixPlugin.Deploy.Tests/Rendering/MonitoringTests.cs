using ApisixPlugin.Deploy.Tests.Support;

namespace ApisixPlugin.Deploy.Tests.Rendering;

/// <summary>
/// deploy/monitoring scrapes the pod the install makes: the PodMonitor selects the controller pod
/// by a label the upstream install and the argo-helm chart both give it, on the sidecar's port.
/// (That every metric the rules use is exported, at zero from start-up, is proven against a
/// running sidecar: tests/ApisixPlugin.Integration.Tests, SidecarHostTests.)
/// </summary>
public sealed class MonitoringTests
{
    [Fact]
    public async Task The_pod_monitor_selects_the_controller_pod_and_scrapes_the_sidecars_metrics_port()
    {
        var monitoring = await RenderedInstall.RenderDirectoryAsync("monitoring", DeployPaths.Deploy + "/monitoring");
        var install = await RenderedInstall.RenderAsync(RenderedInstall.Variants.Native);

        var monitor = Assert.Single(monitoring.Objects, o => o.Str("kind") == "PodMonitor");
        var podLabels = install.Deployment.Path("spec", "template", "metadata", "labels")!.AsObject();
        var selector = monitor.Path("spec", "selector", "matchLabels")!.AsObject();
        Assert.NotEmpty(selector);
        foreach (var (key, value) in selector)
        {
            Assert.Equal(value!.GetValue<string>(), podLabels[key]?.GetValue<string>());
        }

        // The chart's pod labels (selectorLabels) carry the same one.
        var helpers = File.ReadAllText(DeployPaths.Upstream("argo-helm-argo-rollouts-2.41.0/templates/_helpers.tpl"));
        Assert.Contains("app.kubernetes.io/name: {{ include \"argo-rollouts.name\" . }}", helpers, StringComparison.Ordinal);
        Assert.Contains("name: argo-rollouts", File.ReadAllLines(DeployPaths.Upstream("argo-helm-argo-rollouts-2.41.0/Chart.yaml")));

        var endpoint = Assert.Single(monitor.Path("spec", "podMetricsEndpoints")!.AsArray())!;
        var port = install.Container(DeployNames.Sidecar)["ports"]!.AsArray().Single()!;
        Assert.Equal(port.Str("name"), endpoint.Str("port"));
        Assert.Equal("/metrics", endpoint.Str("path"));
        Assert.Equal(["PodMonitor", "PrometheusRule"], monitoring.Objects.Select(o => o.Str("kind")!).Order(StringComparer.Ordinal));
    }
}
