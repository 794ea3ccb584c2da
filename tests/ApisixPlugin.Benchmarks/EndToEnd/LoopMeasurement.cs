using System.Diagnostics;
using ApisixPlugin.Benchmarks.Reporting;

namespace ApisixPlugin.Benchmarks.EndToEnd;

/// <summary>What one measured loop of calls cost: requests on the API server per call, by verb, and latency.</summary>
internal sealed record LoopMeasurement(
    string Path,
    string Weight,
    int Calls,
    IReadOnlyDictionary<string, double> RouteRequestsPerCall,
    double EventPostsPerCall,
    IReadOnlyDictionary<string, double>? SelfCountedPerCall,
    double MedianMs,
    double P99Ms)
{
    public double PerCall(string verb) => RouteRequestsPerCall.GetValueOrDefault(verb);

    /// <summary>Writes to apisixroutes: PATCH, PUT, POST (create), DELETE.</summary>
    public double Writes => PerCall("PATCH") + PerCall("PUT") + PerCall("POST") + PerCall("DELETE");

    /// <summary>Reads of apisixroutes: GET and LIST.</summary>
    public double Reads => PerCall("GET") + PerCall("LIST");

    /// <summary>
    /// Runs <paramref name="warmUp"/> unmeasured calls, then <paramref name="calls"/> timed calls one after
    /// another, with the API server's request counters read before and after (after a pause, so
    /// that asynchronous and held event writes are in).
    /// </summary>
    public static async Task<LoopMeasurement> RunAsync(
        string path,
        string weight,
        int warmUp,
        int calls,
        ApiServerRequestCount server,
        Func<Task<Dictionary<string, double>>>? selfCount,
        Func<int, Task> call)
    {
        for (var i = 0; i < warmUp; i++)
        {
            await call(i);
        }

        await Task.Delay(500);
        var routesBefore = await server.ByVerbAsync("apisixroutes");
        var eventsBefore = await server.ByVerbAsync("events");
        var selfBefore = selfCount is null ? null : await selfCount();

        var latencies = new List<double>(calls);
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await call(warmUp + i);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        // Held Events go out at most a second after the last call (the sidecar paces them).
        await Task.Delay(1500);
        var routes = PrometheusText.Delta(routesBefore, await server.ByVerbAsync("apisixroutes"));
        var events = PrometheusText.Delta(eventsBefore, await server.ByVerbAsync("events"));
        var self = selfCount is null ? null : PrometheusText.Delta(selfBefore!, await selfCount());

        return new LoopMeasurement(
            path,
            weight,
            calls,
            routes.Where(e => e.Value != 0).ToDictionary(e => e.Key, e => e.Value / calls),
            events.GetValueOrDefault("POST") / calls,
            self?.Where(e => e.Value != 0).ToDictionary(e => e.Key, e => e.Value / calls),
            Percentiles.Of(latencies, 50),
            Percentiles.Of(latencies, 99));
    }
}
