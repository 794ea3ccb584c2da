using ApisixPlugin.Core.Preflight;
using k8s.Models;

namespace ApisixPlugin.Kubernetes.Preflight;

/// <summary>A pod spec as <see cref="ControllerPod"/> reads it: each container's kind, command line, mounts and sidecar socket.</summary>
public static class PodWiring
{
    /// <summary>The sidecar's own variable for --socket (APISIX_PLUGIN_ and the switch's name).</summary>
    public const string SocketVariable = "APISIX_PLUGIN_SOCKET";

    public static IReadOnlyList<PodContainer> Containers(V1PodSpec? pod) =>
        [
            .. (pod?.InitContainers ?? []).Select(c => ToContainer(c, c.RestartPolicy == "Always" ? PodContainerKind.NativeSidecar : PodContainerKind.Init)),
            .. (pod?.Containers ?? []).Select(c => ToContainer(c, PodContainerKind.Container)),
        ];

    private static PodContainer ToContainer(V1Container container, PodContainerKind kind)
    {
        var commandLine = (container.Command ?? []).Concat(container.Args ?? []).ToList();
        var socket = ControllerRegistration.SocketArgument(commandLine)
            ?? container.Env?.FirstOrDefault(v => v.Name == SocketVariable)?.Value;
        var mounts = (container.VolumeMounts ?? []).Select(m => new PodMount(m.Name, m.MountPath, m.SubPath ?? "")).ToList();
        return new PodContainer(container.Name, kind, commandLine, mounts, socket);
    }
}
