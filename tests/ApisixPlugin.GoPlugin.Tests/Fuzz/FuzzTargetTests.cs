using ApisixPlugin.GoPlugin.Fuzz;
using ApisixPlugin.GoPlugin.Testing;
using Xunit.Abstractions;

namespace ApisixPlugin.GoPlugin.Tests.Fuzz;

/// <summary>
/// A bounded run of tests/ApisixPlugin.GoPlugin.Fuzz's targets: Go-produced seeds, then a few
/// thousand mutations from a fixed seed. No exception but the readers' own may escape, no input
/// may take seconds, and none may allocate beyond a small multiple of its size. (Longer runs,
/// with afl-fuzz: that project's README.)
/// </summary>
public sealed class FuzzTargetTests(ITestOutputHelper output)
{
    private const int Mutations = 3000;
    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(2);

    public static TheoryData<string> Targets() => new(FuzzTargets.All.Keys);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Seeds_and_mutations_end_only_in_protocol_errors_in_bounded_time_and_memory(string target)
    {
        var seeds = (target.StartsWith("gob", StringComparison.Ordinal) ? SeedCorpus.Gob(GoPeerDump.Directory) : SeedCorpus.Yamux(GoPeerDump.Directory))
            .Select(s => s.Bytes).ToList();
        Assert.NotEmpty(seeds);
        FuzzReport? report = null;
        // Its own thread, so that a hang fails the test instead of stalling the run.
        var thread = new Thread(() => report = FuzzRun.Run(FuzzTargets.All[target], seeds, Mutations, seed: 20261201)) { IsBackground = true };
        thread.Start();
        Assert.True(thread.Join(RunBound), $"{target}: the run did not finish within {RunBound}");
        output.WriteLine($"{target}: {report!.Executions} executions, worst allocation {report.WorstAllocationPerByte:F1} bytes per input byte, slowest {report.Slowest.TotalMilliseconds:F0} ms");
        Assert.Equal(seeds.Count + Mutations, report.Executions);
        if (report.Findings.Count > 0)
        {
            var first = report.Findings[0];
            Assert.Fail($"{target}: {report.Findings.Count} findings; the first: {first.What}\n" +
                $"input ({first.Input.Length} bytes, first 256): {Convert.ToHexString(first.Input.AsSpan(0, Math.Min(256, first.Input.Length)))}");
        }
    }
}
