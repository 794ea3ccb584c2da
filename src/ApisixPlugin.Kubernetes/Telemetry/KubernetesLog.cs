using Microsoft.Extensions.Logging;

namespace ApisixPlugin.Kubernetes.Telemetry;

/// <summary>The adapter's log lines; ids continue the use cases' (RouterLog) and stay stable.</summary>
internal static partial class KubernetesLog
{
    [LoggerMessage(7, LogLevel.Warning, "Recording an event on rollout {Rollout} failed")]
    public static partial void EventFailed(ILogger logger, string rollout, Exception exception);

    [LoggerMessage(8, LogLevel.Information, "Stopping: {Written} queued or held events written, {NotWritten} not (failed, or cut off by the time limit)")]
    public static partial void EventsWrittenOnStop(ILogger logger, int written, int notWritten);
}
