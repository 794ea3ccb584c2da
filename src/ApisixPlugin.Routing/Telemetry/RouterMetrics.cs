using System.Diagnostics.Metrics;

namespace ApisixPlugin.Routing.Telemetry;

/// <summary>
/// The plugin's own instruments (System.Diagnostics.Metrics, meter "ApisixPlugin"); the sidecar
/// exports them to Prometheus. Static because a meter is process-wide anyway.
/// </summary>
public static class RouterMetrics
{
    public const string MeterName = "ApisixPlugin";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> ApiRequests = Meter.CreateCounter<long>(
        "apisix_plugin_api_requests", description: "Requests sent to the Kubernetes API server, by verb.");

    public static readonly Counter<long> ApiRetries = Meter.CreateCounter<long>(
        "apisix_plugin_api_retries", description: "API requests sent again after a transient failure (429, 5xx, reset, timeout), by verb and reason.");

    public static readonly Counter<long> ConflictsRetried = Meter.CreateCounter<long>(
        "apisix_plugin_conflicts_retried", description: "Writes that met a concurrent edit and were re-planned.");

    public static readonly Counter<long> WritesSkipped = Meter.CreateCounter<long>(
        "apisix_plugin_writes_skipped", description: "Routes that already had the desired state, so nothing was written.");

    public static readonly Counter<long> RecallsMissed = Meter.CreateCounter<long>(
        "apisix_plugin_route_memory_stale", description: "Writes planned from the remembered route that met a route changed since, and were planned again from a read.");

    public static readonly Counter<long> EventsHeld = Meter.CreateCounter<long>(
        "apisix_plugin_events_held", description: "Events that came within a second of the last of their Rollout and reason: held, and combined into the next one written.");

    public static readonly Counter<long> Calls = Meter.CreateCounter<long>(
        "apisix_plugin_calls", description: "Traffic-router calls, by method and outcome.");

    public static readonly Counter<long> WeightVerifications = Meter.CreateCounter<long>(
        "apisix_plugin_weight_verifications", description: "VerifyWeight answers, by whether every route carried the desired split (verified=true|false).");

    public static readonly Histogram<double> CallDuration = Meter.CreateHistogram<double>(
        "apisix_plugin_call_duration_seconds", unit: "s", description: "Duration of traffic-router calls, by method.");
}
