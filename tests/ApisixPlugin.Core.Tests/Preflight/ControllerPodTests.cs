using ApisixPlugin.Core.Preflight;

namespace ApisixPlugin.Core.Tests.Preflight;

/// <summary>The controller's pod against argo-rollouts-config's entry: the bridge where the location points, a sidecar on the socket.</summary>
public sealed class ControllerPodTests
{
    private const string Socket = "/run/apisix-plugin/sidecar.sock";
    private static readonly RegisteredPlugin Entry = new("file:///opt/apisix-plugin/apisix-plugin-bridge", Socket);

    // As deploy/kustomize/components/common/argo-rollouts-deployment.yaml wires the pod.
    private static readonly PodContainer Installer = new("install-apisix-plugin", PodContainerKind.Init,
        ["/bridge/apisix-plugin-bridge", "install", "/opt/apisix-plugin/apisix-plugin-bridge"], [new("apisix-plugin-bin", "/opt/apisix-plugin")], null);

    private static readonly PodContainer Sidecar = new("apisix-plugin", PodContainerKind.NativeSidecar,
        ["serve", "--socket", Socket, "--metrics-port", "9464"], [new("apisix-plugin-socket", "/run/apisix-plugin"), new("apisix-plugin-tmp", "/tmp")], Socket);

    private static readonly PodContainer Controller = new(ControllerPod.ControllerContainer, PodContainerKind.Container,
        ["/bin/rollouts-controller"], [new("plugin-bin", "/home/argo-rollouts/plugin-bin"), new("apisix-plugin-bin", "/opt/apisix-plugin"), new("apisix-plugin-socket", "/run/apisix-plugin/")], null);

    private static IReadOnlyList<PreflightFinding> Check(params PodContainer[] containers) =>
        ControllerPod.Check(new ControllerPodRead.Found("argo-rollouts", "argo-rollouts", containers), Entry, Socket);

    [Fact]
    public void The_pod_deploy_wires_passes_for_the_bridge_and_the_socket()
    {
        var findings = Check(Installer, Sidecar, Controller);

        Assert.Equal(
            [
                "init container install-apisix-plugin installs the bridge into volume 'apisix-plugin-bin', where argo-rollouts loads it from /opt/apisix-plugin/apisix-plugin-bridge",
                $"native sidecar apisix-plugin serves {Socket} in volume 'apisix-plugin-socket', where the bridge in argo-rollouts connects to {Socket}",
            ],
            findings.Select(f => f.Message));
        Assert.All(findings, f => Assert.Equal((FindingStatus.Pass, "controller-pod", "deployment argo-rollouts/argo-rollouts"), (f.Status, f.Check, f.Subject)));
    }

    [Fact]
    public void The_sidecar_as_a_plain_container_with_its_default_socket_passes()
    {
        var plain = Sidecar with { Kind = PodContainerKind.Container, CommandLine = ["serve"], Socket = null };

        Assert.All(Check(Installer, Controller, plain), f => Assert.Equal(FindingStatus.Pass, f.Status));
    }

    [Fact]
    public void Init_containers_replaced_by_a_list_of_ones_own_fail_both_naming_the_Helm_list()
    {
        var own = new PodContainer("wait-for-db", PodContainerKind.Init, ["sh", "-c", "until nc db 5432; do sleep 1; done"], [], null);

        var findings = Check(own, Controller);

        Assert.All(findings, f => Assert.Equal(FindingStatus.Fail, f.Status));
        Assert.StartsWith("no init container installs the bridge into volume 'apisix-plugin-bin', which argo-rollouts mounts at /opt/apisix-plugin", findings[0].Message, StringComparison.Ordinal);
        Assert.Contains("values of your own that set controller.initContainers drop the plugin's entries", findings[0].Message, StringComparison.Ordinal);
        Assert.StartsWith($"no sidecar shares volume 'apisix-plugin-socket' with argo-rollouts: nothing serves {Socket}", findings[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Controller_mounts_replaced_by_a_list_of_ones_own_fail_both_naming_the_Helm_list()
    {
        var findings = Check(Installer, Sidecar, Controller with { Mounts = [new("plugin-bin", "/home/argo-rollouts/plugin-bin")] });

        Assert.All(findings, f => Assert.Equal(FindingStatus.Fail, f.Status));
        Assert.StartsWith("container argo-rollouts mounts no volume where argo-rollouts-config's location file:///opt/apisix-plugin/apisix-plugin-bridge points", findings[0].Message, StringComparison.Ordinal);
        Assert.StartsWith($"container argo-rollouts mounts no volume where the bridge connects to the sidecar ({Socket}", findings[1].Message, StringComparison.Ordinal);
        Assert.All(findings, f => Assert.Contains("controller.volumeMounts", f.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_sidecar_serving_another_file_fails_naming_both_paths()
    {
        var elsewhere = Sidecar with { Socket = "/run/apisix-plugin/other.sock" };

        var socket = Check(Installer, elsewhere, Controller)[1];

        Assert.Equal(FindingStatus.Fail, socket.Status);
        Assert.StartsWith($"native sidecar apisix-plugin serves /run/apisix-plugin/other.sock, but the bridge in argo-rollouts connects to {Socket}, which is {Socket} in the sidecar", socket.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_volume_mounted_at_another_path_in_the_sidecar_is_followed()
    {
        var remounted = Sidecar with { Mounts = [new("apisix-plugin-socket", "/sock")], Socket = "/sock/sidecar.sock" };

        Assert.Equal(FindingStatus.Pass, Check(Installer, remounted, Controller)[1].Status);
    }

    [Fact]
    public void A_sub_path_mount_is_followed_into_the_volume_and_a_sub_path_hiding_the_file_fails()
    {
        // The controller sees only the volume's bin/ folder; the installer mounts the whole volume.
        var controller = Controller with { Mounts = [new("apisix-plugin-bin", "/opt/apisix-plugin", "bin"), new("apisix-plugin-socket", "/run/apisix-plugin")] };
        var whole = Installer with { Mounts = [new("apisix-plugin-bin", "/v")], CommandLine = ["/bridge/apisix-plugin-bridge", "install", "/v/bin/apisix-plugin-bridge"] };
        var elsewhere = whole with { CommandLine = ["/bridge/apisix-plugin-bridge", "install", "/v/apisix-plugin-bridge"] };

        Assert.Equal(FindingStatus.Pass, Check(whole, Sidecar, controller)[0].Status);
        Assert.Equal(FindingStatus.Fail, Check(elsewhere, Sidecar, controller)[0].Status);
        // An installer that sees another folder of the volume cannot write where the controller looks.
        var other = Installer with { Mounts = [new("apisix-plugin-bin", "/opt/apisix-plugin", "other")] };
        Assert.Equal(FindingStatus.Fail, Check(other, Sidecar, controller)[0].Status);
    }

    [Fact]
    public void An_installer_writing_another_path_fails_naming_it()
    {
        var misplaced = Installer with { CommandLine = ["/bridge/apisix-plugin-bridge", "install", "/opt/apisix-plugin/bridge"] };

        var bridge = Check(misplaced, Sidecar, Controller)[0];

        Assert.Equal(FindingStatus.Fail, bridge.Status);
        Assert.StartsWith("init container install-apisix-plugin installs the bridge to /opt/apisix-plugin/bridge, not where", bridge.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_http_location_leaves_only_the_socket_to_check()
    {
        var findings = ControllerPod.Check(new ControllerPodRead.Found("argo-rollouts", "argo-rollouts", [Sidecar, Controller]),
            Entry with { Location = "https://example.com/apisix-plugin-bridge" }, Socket);

        Assert.Equal(FindingStatus.Pass, Assert.Single(findings).Status);
    }

    [Fact]
    public void A_Deployment_not_found_or_unreadable_is_a_warning_and_no_usable_entry_adds_nothing()
    {
        var missing = Assert.Single(ControllerPod.Check(new ControllerPodRead.NotFound("argo-rollouts", "rollouts"), Entry, Socket));
        var refused = Assert.Single(ControllerPod.Check(new ControllerPodRead.Unreadable("argo-rollouts", "argo-rollouts", "missing permission: get deployments.apps in namespace argo-rollouts"), Entry, Socket));

        Assert.Equal((FindingStatus.Warn, FindingStatus.Warn), (missing.Status, refused.Status));
        Assert.Contains("--controller-deployment", missing.Message, StringComparison.Ordinal);
        Assert.Contains("get deployments.apps", refused.Message, StringComparison.Ordinal);
        Assert.Empty(ControllerPod.Check(new ControllerPodRead.Found("argo-rollouts", "argo-rollouts", [Controller]), null, Socket));
    }

    [Fact]
    public void A_pod_without_the_controller_container_fails_naming_it()
    {
        var finding = Assert.Single(Check(Installer, Sidecar));

        Assert.Equal(FindingStatus.Fail, finding.Status);
        Assert.Contains("has no container named argo-rollouts", finding.Message, StringComparison.Ordinal);
    }
}
