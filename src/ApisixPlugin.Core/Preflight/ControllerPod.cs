namespace ApisixPlugin.Core.Preflight;

/// <summary>Where a container of the controller's pod runs: a run-once init step, a native sidecar (an init container that restarts), or a container.</summary>
public enum PodContainerKind
{
    Init,
    NativeSidecar,
    Container,
}

/// <summary>A volume (or its <paramref name="SubPath"/> folder) mounted into a container at a path.</summary>
public sealed record PodMount(string Volume, string Path, string SubPath = "")
{
    /// <summary>Whether <paramref name="file"/>, a path in the container, is inside this mount.</summary>
    public bool Holds(string file) => file.StartsWith(Path.TrimEnd('/') + "/", StringComparison.Ordinal);

    /// <summary>Where <paramref name="file"/>, a path in the container inside this mount, is in the volume ("/" is its root).</summary>
    public string InVolume(string file) => Root + file[Path.TrimEnd('/').Length..];

    /// <summary>Where a path in the volume is in the container; null when this mount does not show it.</summary>
    public string? InContainer(string volumePath) =>
        volumePath.StartsWith(Root + "/", StringComparison.Ordinal) ? Path.TrimEnd('/') + volumePath[Root.Length..] : null;

    private string Root => SubPath.Trim('/') is { Length: > 0 } sub ? "/" + sub : "";
}

/// <summary>A container of the controller's pod, as far as the plugin's wiring goes.</summary>
/// <param name="CommandLine">Its command and args, in that order.</param>
/// <param name="Socket">The socket it would serve as the sidecar: its --socket argument, else APISIX_PLUGIN_SOCKET, else null.</param>
public sealed record PodContainer(string Name, PodContainerKind Kind, IReadOnlyList<string> CommandLine, IReadOnlyList<PodMount> Mounts, string? Socket);

/// <summary>What could be read of the controller's Deployment.</summary>
public abstract record ControllerPodRead(string Namespace, string Name)
{
    public string Key => $"{Namespace}/{Name}";

    /// <summary>The Deployment could not be read; <see cref="Reason"/> names the permission or the failure.</summary>
    public sealed record Unreadable(string Namespace, string Name, string Reason) : ControllerPodRead(Namespace, Name);

    public sealed record NotFound(string Namespace, string Name) : ControllerPodRead(Namespace, Name);

    public sealed record Found(string Namespace, string Name, IReadOnlyList<PodContainer> Containers) : ControllerPodRead(Namespace, Name);
}

/// <summary>
/// The controller's pod must carry what argo-rollouts-config promises: the bridge file at the
/// <c>file://</c> location, written there by an init step into a volume the controller mounts, and
/// a sidecar serving the socket the bridge connects to, in a volume both mount. Helm replaces
/// lists instead of merging them, so values of a user's own that set <c>initContainers</c>,
/// <c>volumeMounts</c> or <c>extraContainers</c> drop the plugin's entries without an error; the
/// controller then fails every Rollout that names the plugin. This finds that before a rollout does.
/// </summary>
public static class ControllerPod
{
    public const string ControllerContainer = "argo-rollouts";

    public static IReadOnlyList<PreflightFinding> Check(ControllerPodRead read, RegisteredPlugin? entry, string defaultSocket)
    {
        var subject = $"deployment {read.Key}";
        switch (read)
        {
            case ControllerPodRead.Unreadable u:
                return [Warn(subject, $"deployment {read.Key} could not be read ({u.Reason}); the pod's bridge volume and sidecar were not checked")];
            case ControllerPodRead.NotFound:
                return [Warn(subject, $"deployment {read.Key} does not exist (is --controller-deployment the controller's Deployment?); the pod's bridge volume and sidecar were not checked")];
            case ControllerPodRead.Found found when entry is not null:
                var controller = found.Containers.FirstOrDefault(c => c.Name == ControllerContainer && c.Kind == PodContainerKind.Container);
                if (controller is null)
                {
                    return [Fail(subject, $"deployment {read.Key} has no container named {ControllerContainer}, the controller's; the pod's bridge volume and sidecar were not checked")];
                }

                var findings = new List<PreflightFinding>();
                if (entry.FilePath is { } bridge)
                {
                    findings.Add(CheckBridge(subject, found, controller, bridge));
                }

                findings.Add(CheckSocket(subject, found, controller, entry.Socket, defaultSocket));
                return findings;
            default:
                // No usable entry: the controller-config finding already says why.
                return [];
        }
    }

    private static PreflightFinding CheckBridge(string subject, ControllerPodRead.Found pod, PodContainer controller, string bridge)
    {
        if (MountHolding(controller, bridge) is not { } mount)
        {
            return Fail(subject, $"container {ControllerContainer} mounts no volume where argo-rollouts-config's location file://{bridge} points, so the controller finds no bridge there ({Hint("controller.volumeMounts")})");
        }

        var inVolume = mount.InVolume(bridge);
        var installers = pod.Containers.Where(c => c.Kind == PodContainerKind.Init && c.CommandLine.Contains("install") && c.Mounts.Any(m => m.Volume == mount.Volume)).ToList();
        if (installers.Count == 0)
        {
            return Fail(subject, $"no init container installs the bridge into volume '{mount.Volume}', which {ControllerContainer} mounts at {mount.Path}: the controller finds no file://{bridge} ({Hint("controller.initContainers")})");
        }

        foreach (var installer in installers)
        {
            var at = Seen(installer, mount.Volume, inVolume);
            var destination = installer.CommandLine.SkipWhile(a => a != "install").Skip(1).FirstOrDefault();
            if (at is not null && destination == at)
            {
                return Pass(subject, $"init container {installer.Name} installs the bridge into volume '{mount.Volume}', where {ControllerContainer} loads it from {bridge}");
            }
        }

        var first = installers[0];
        return Fail(subject, $"init container {first.Name} installs the bridge to {first.CommandLine.SkipWhile(a => a != "install").Skip(1).FirstOrDefault() ?? "(no path)"}, not where argo-rollouts-config's location file://{bridge} finds it in volume '{mount.Volume}'");
    }

    private static PreflightFinding CheckSocket(string subject, ControllerPodRead.Found pod, PodContainer controller, string socket, string defaultSocket)
    {
        if (MountHolding(controller, socket) is not { } mount)
        {
            return Fail(subject, $"container {ControllerContainer} mounts no volume where the bridge connects to the sidecar ({socket}, argo-rollouts-config's --socket), so every call fails ({Hint("controller.volumeMounts")})");
        }

        var sidecars = pod.Containers.Where(c => c != controller && c.Kind != PodContainerKind.Init && c.Mounts.Any(m => m.Volume == mount.Volume)).ToList();
        if (sidecars.Count == 0)
        {
            return Fail(subject, $"no sidecar shares volume '{mount.Volume}' with {ControllerContainer}: nothing serves {socket} ({Hint("controller.initContainers (Kubernetes 1.29 and later) or controller.extraContainers")})");
        }

        var inVolume = mount.InVolume(socket);
        foreach (var sidecar in sidecars)
        {
            var expected = Seen(sidecar, mount.Volume, inVolume);
            if (expected is not null && (sidecar.Socket ?? defaultSocket) == expected)
            {
                return Pass(subject, $"{Describe(sidecar)} serves {expected} in volume '{mount.Volume}', where the bridge in {ControllerContainer} connects to {socket}");
            }
        }

        var shown = sidecars[0];
        var there = Seen(shown, mount.Volume, inVolume) is { } path ? $"{path} in the sidecar" : "not inside the sidecar's mount of that volume";
        return Fail(subject, $"{Describe(shown)} serves {shown.Socket ?? defaultSocket}, but the bridge in {ControllerContainer} connects to {socket}, which is {there}: the sidecar's --socket and argo-rollouts-config's must name the same file");
    }

    /// <summary>The mount whose path holds <paramref name="file"/>, the deepest one when mounts nest.</summary>
    private static PodMount? MountHolding(PodContainer container, string file) =>
        container.Mounts.Where(m => m.Holds(file)).MaxBy(m => m.Path.Length);

    /// <summary>Where <paramref name="container"/> sees a path of <paramref name="volume"/>; null when none of its mounts shows it.</summary>
    private static string? Seen(PodContainer container, string volume, string volumePath) =>
        container.Mounts.Where(m => m.Volume == volume).Select(m => m.InContainer(volumePath)).FirstOrDefault(p => p is not null);

    private static string Describe(PodContainer container) =>
        container.Kind == PodContainerKind.NativeSidecar ? $"native sidecar {container.Name}" : $"container {container.Name}";

    private static string Hint(string lists) =>
        $"Helm replaces lists: values of your own that set {lists} drop the plugin's entries; copy them from deploy/helm/values-argo-rollouts.yaml";

    private static PreflightFinding Pass(string subject, string message) => PreflightFinding.Pass(PreflightCheck.ControllerPod, subject, message);

    private static PreflightFinding Warn(string subject, string message) => PreflightFinding.Warn(PreflightCheck.ControllerPod, subject, message);

    private static PreflightFinding Fail(string subject, string message) => PreflightFinding.Fail(PreflightCheck.ControllerPod, subject, message);
}
