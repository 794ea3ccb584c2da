using System.Diagnostics;
using ApisixPlugin.Benchmarks.Reporting;

namespace ApisixPlugin.Benchmarks.EndToEnd;

/// <summary>
/// Latency of several paths measured in one loop, one call of each per round, the first path
/// moving by one each round. Run one after another, the loop that runs first pays for a cold API
/// server and etcd and the machine's drift lands on one path only; interleaved, every path meets
/// the same conditions.
/// </summary>
internal static class InterleavedLatency
{
    public static async Task<IReadOnlyList<(double MedianMs, double P99Ms)>> RunAsync(IReadOnlyList<Func<int, Task>> paths, int warmUp, int rounds)
    {
        var samples = paths.Select(_ => new List<double>(rounds)).ToArray();
        for (var round = 0; round < warmUp + rounds; round++)
        {
            for (var k = 0; k < paths.Count; k++)
            {
                var path = (round + k) % paths.Count;
                var started = Stopwatch.GetTimestamp();
                await paths[path](round);
                if (round >= warmUp)
                {
                    samples[path].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        }

        return [.. samples.Select(s => (Percentiles.Of(s, 50), Percentiles.Of(s, 99)))];
    }
}
