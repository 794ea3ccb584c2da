using System.Diagnostics.Metrics;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Routing.Telemetry;
using Grpc.Core;
using Prometheus;

namespace ApisixPlugin.Sidecar.Telemetry;

/// <summary>
/// Forwards the router's System.Diagnostics.Metrics instruments to prometheus-net with fixed
/// names and label sets. (prometheus-net 8.2.1's automatic meter adapter connected the
/// instruments here but exported no series for them, so the mapping is explicit.) Every series
/// with known label values exists at zero from the start (<see cref="InitialLabelValues"/>), so
/// rates, ratios and alerts (deploy/monitoring) work before the first call and count its first
/// increment; only api_retries (reasons include any HTTP status) appears on its first retry.
/// </summary>
internal sealed class PrometheusExport : IHostedService, IDisposable
{
    private static readonly Dictionary<string, string[]> LabelNames = new(StringComparer.Ordinal)
    {
        ["apisix_plugin_calls"] = ["method", "outcome"],
        ["apisix_plugin_call_duration_seconds"] = ["method"],
        ["apisix_plugin_api_requests"] = ["verb"],
        ["apisix_plugin_api_retries"] = ["verb", "reason"],
        ["apisix_plugin_weight_verifications"] = ["verified"],
    };

    private static readonly string[] Methods =
        [.. ApisixPlugin.Protos.V1.TrafficRouter.Descriptor.Methods.Select(m => m.Name)];

    /// <summary>Every status RouterErrorInterceptor can count as a call's outcome.</summary>
    private static readonly string[] Outcomes =
        [.. new[] { StatusCode.OK, StatusCode.Cancelled, StatusCode.Internal, StatusCode.Unknown }
            .Concat(Enum.GetValues<RouterErrorKind>().Select(Grpc.RouterErrorInterceptor.ToStatusCode))
            .Distinct().Select(code => code.ToString())];

    /// <summary>The series created at zero when an instrument is published, as label values in <see cref="LabelNames"/> order.</summary>
    private static readonly Dictionary<string, string[][]> InitialLabelValues = new(StringComparer.Ordinal)
    {
        ["apisix_plugin_calls"] = [.. Methods.SelectMany(method => Outcomes.Select(outcome => new[] { method, outcome }))],
        ["apisix_plugin_call_duration_seconds"] = [.. Methods.Select(method => new[] { method })],
        ["apisix_plugin_api_requests"] = [["get"], ["list"], ["patch"], ["create"], ["delete"], ["create-event"]],
        ["apisix_plugin_weight_verifications"] = [["true"], ["false"]],
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
                var initial = InitialLabelValues.GetValueOrDefault(instrument.Name, []);
                if (instrument is Histogram<double>)
                {
                    var histogram = Metrics.CreateHistogram(instrument.Name, help, new HistogramConfiguration
                    {
                        LabelNames = labels,
                        Buckets = Histogram.ExponentialBuckets(0.001, 2, 14),
                    });
                    _histograms[instrument.Name] = histogram;
                    foreach (var values in initial)
                    {
                        histogram.WithLabels(values);
                    }
                }
                else
                {
                    var counter = Metrics.CreateCounter(instrument.Name + "_total", help, labels);
                    _counters[instrument.Name] = counter;
                    foreach (var values in initial)
                    {
                        counter.WithLabels(values);
                    }
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
        // The instruments are created with RouterMetrics, which nothing touches before the first
        // call; create them now, so that the listener publishes (and zeroes) them at start-up.
        System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(RouterMetrics).TypeHandle);
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
