using System.Diagnostics.Metrics;
using ApisixPlugin.Routing.Telemetry;
using Prometheus;

namespace ApisixPlugin.Sidecar.Telemetry;

/// <summary>
/// Forwards the router's System.Diagnostics.Metrics instruments to prometheus-net with fixed
/// names and label sets. (prometheus-net 8.2.1's automatic meter adapter connected the
/// instruments here but exported no series for them, so the mapping is explicit.)
/// </summary>
internal sealed class PrometheusExport : IHostedService, IDisposable
{
    private static readonly Dictionary<string, string[]> LabelNames = new(StringComparer.Ordinal)
    {
        ["apisix_plugin_calls"] = ["method", "outcome"],
        ["apisix_plugin_call_duration_seconds"] = ["method"],
        ["apisix_plugin_api_requests"] = ["verb"],
        ["apisix_plugin_api_retries"] = ["verb", "reason"],
    };

    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Histogram> _histograms = new(StringComparer.Ordinal);

    public PrometheusExport()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != RouterMetrics.MeterName)
            {
                return;
            }

            var labels = LabelNames.GetValueOrDefault(instrument.Name, []);
            var help = instrument.Description ?? instrument.Name;
            lock (_counters)
            {
                if (instrument is Histogram<double>)
                {
                    _histograms[instrument.Name] = Metrics.CreateHistogram(instrument.Name, help, new HistogramConfiguration
                    {
                        LabelNames = labels,
                        Buckets = Histogram.ExponentialBuckets(0.001, 2, 14),
                    });
                }
                else
                {
                    _counters[instrument.Name] = Metrics.CreateCounter(instrument.Name + "_total", help, labels);
                }
            }

            listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            _counters[instrument.Name].WithLabels(Values(instrument.Name, tags)).Inc(value));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            _histograms[instrument.Name].WithLabels(Values(instrument.Name, tags)).Observe(value));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();

    private static string[] Values(string instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var names = LabelNames.GetValueOrDefault(instrument, []);
        var values = new string[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            values[i] = "";
            foreach (var tag in tags)
            {
                if (tag.Key == names[i])
                {
                    values[i] = tag.Value?.ToString() ?? "";
                }
            }
        }

        return values;
    }
}
