using Microsoft.Extensions.Logging;

namespace ApisixPlugin.Kubernetes.Telemetry;

/// <summary>The routing layer's log lines; event ids are stable so that alerts can key on them.</summary>
internal static partial class RouterLog
{
    [LoggerMessage(1, LogLevel.Information, "Rollout {Rollout}: route {Route} written ({Operations} patch operations)")]
    public static partial void RouteWritten(ILogger logger, string rollout, string route, int operations);

    [LoggerMessage(2, LogLevel.Debug, "Rollout {Rollout}: route {Route} already as desired; nothing written")]
    public static partial void RouteUnchanged(ILogger logger, string rollout, string route);

    [LoggerMessage(3, LogLevel.Warning, "Rollout {Rollout}: route {Route} changed while being written (attempt {Attempt}); re-reading")]
    public static partial void ConflictRetry(ILogger logger, string rollout, string route, int attempt);

    [LoggerMessage(4, LogLevel.Information, "Rollout {Rollout}: managed route {Route} created")]
    public static partial void ManagedRouteCreated(ILogger logger, string rollout, string route);

    [LoggerMessage(5, LogLevel.Information, "Rollout {Rollout}: managed route {Route} deleted")]
    public static partial void ManagedRouteDeleted(ILogger logger, string rollout, string route);

    [LoggerMessage(6, LogLevel.Warning, "Rollout {Rollout}: managed route {Route} exists but is not owned by this Rollout; left alone")]
    public static partial void ForeignRouteLeftAlone(ILogger logger, string rollout, string route);

    [LoggerMessage(7, LogLevel.Warning, "Recording an event on rollout {Rollout} failed")]
    public static partial void EventFailed(ILogger logger, string rollout, Exception exception);
}
