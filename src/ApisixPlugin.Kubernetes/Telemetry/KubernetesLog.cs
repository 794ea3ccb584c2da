using Microsoft.Extensions.Logging;

namespace ApisixPlugin.Kubernetes.Telemetry;

/// <summary>The adapter's log lines; ids continue the use cases' (RouterLog) and stay stable.</summary>
internal static partial class KubernetesLog
{
    [LoggerMessage(7, LogLevel.Warning, "Recording an event on rollout {Rollout} failed")]
    public static partial void EventFailed(ILogger logger, string rollout, Exception exception);
}
