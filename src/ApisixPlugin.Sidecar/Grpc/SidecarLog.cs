namespace ApisixPlugin.Sidecar.Grpc;

/// <summary>The gRPC layer's log lines, with stable event ids (100+; the routing layer has 1-99).</summary>
internal static partial class SidecarLog
{
    [LoggerMessage(101, LogLevel.Warning, "Rollout {Rollout}: {Method} failed with {Status}: {Reason}")]
    public static partial void CallFailed(ILogger logger, string rollout, string method, string status, string reason);

    [LoggerMessage(102, LogLevel.Error, "Rollout {Rollout}: {Method} failed unexpectedly")]
    public static partial void CallCrashed(ILogger logger, string rollout, string method, Exception exception);
}
