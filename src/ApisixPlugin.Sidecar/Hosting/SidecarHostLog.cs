namespace ApisixPlugin.Sidecar.Hosting;

/// <summary>The host's own log lines, with stable event ids (200+; gRPC has 100+, routing 1-99).</summary>
internal static partial class SidecarHostLog
{
    [LoggerMessage(201, LogLevel.Information, "apisix-plugin {Version} serving on {SocketPath} (metrics port {MetricsPort}, log level {LogLevel})")]
    public static partial void Serving(ILogger logger, string version, string socketPath, int metricsPort, string logLevel);
}
