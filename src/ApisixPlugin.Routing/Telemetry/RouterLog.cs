using Microsoft.Extensions.Logging;

namespace ApisixPlugin.Routing.Telemetry;

/// <summary>The use cases' log lines; event ids are stable so that alerts can key on them.</summary>
internal static partial class RouterLog
{
    [LoggerMessage(1, LogLevel.Information, "Rollout {Rollout}: route {Route} written ({Operations} patch operations)")]
    public static partial void RouteWritten(ILogger logger, string rollout, string route, int operations);

    [LoggerMessage(2, LogLevel.Debug, "Rollout {Rollout}: route {Route} already as desired; nothing written")]
    public static partial void RouteUnchanged(ILogger logger, string rollout, string route);

    [LoggerMessage(6, LogLevel.Debug, "Rollout {Rollout}: managed route left as it is: {Reason}")]
    public static partial void ManagedRouteUnchanged(ILogger logger, string rollout, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Rollout {Rollout}: route {Route} changed while being written (attempt {Attempt}); re-reading")]
    public static partial void ConflictRetry(ILogger logger, string rollout, string route, int attempt);

    [LoggerMessage(4, LogLevel.Information, "Rollout {Rollout}: managed route {Route} created")]
    public static partial void ManagedRouteCreated(ILogger logger, string rollout, string route);

    [LoggerMessage(5, LogLevel.Information, "Rollout {Rollout}: managed route {Route} deleted")]
    public static partial void ManagedRouteDeleted(ILogger logger, string rollout, string route);

    // 6 was a log line for a foreign managed route; the call's error names it instead. 7 and 8 are
    // the Kubernetes adapter's (KubernetesLog).
}
