using System.Diagnostics;

namespace ApisixPlugin.GoPlugin.Fuzz;

/// <summary>What one input did that a target must never do.</summary>
public sealed record FuzzFinding(string What, byte[] Input);

/// <summary>What a bounded in-process run saw.</summary>
public sealed record FuzzReport(int Executions, IReadOnlyList<FuzzFinding> Findings, double WorstAllocationPerByte, TimeSpan Slowest);

/// <summary>
/// Runs a target over seeds and then mutated inputs on this thread, each checked for escaping
/// exceptions, time and allocation: the test suite's bounded run and the <c>run</c> command.
/// </summary>
public static class FuzzRun
{
    /// <summary>
    /// What one input may allocate: the gob limits allow a value 32 bytes per wire byte and
    /// its message buffer three times its size; the constant covers the fixed cost of a decoder
    /// or a session (buffers, tables) and one yamux data frame read into (at most 256 KiB).
    /// </summary>
    public static long AllocationBound(int inputBytes) => 64L * inputBytes + 2 * 1024 * 1024;

    /// <summary>No input of at most 1 MiB may take this long; a slower one counts as a hang.</summary>
    public static readonly TimeSpan SlowInput = TimeSpan.FromSeconds(5);

    public static FuzzReport Run(Action<byte[]> target, IReadOnlyList<byte[]> seeds, int mutations, int seed, TimeSpan? budget = null)
    {
        var findings = new List<FuzzFinding>();
        var mutator = new InputMutator(seed);
        var random = new Random(seed);
        var recent = new List<byte[]>();
        var worst = 0.0;
        var slowest = TimeSpan.Zero;
        var executions = 0;
        var clock = Stopwatch.StartNew();

        void Execute(byte[] input)
        {
            executions++;
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var started = Stopwatch.GetTimestamp();
            try
            {
                target(input);
            }
            catch (Exception e)
            {
                findings.Add(new FuzzFinding($"{e.GetType().Name}: {e.Message}\n{e.StackTrace}", input));
            }
            var took = Stopwatch.GetElapsedTime(started);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            slowest = took > slowest ? took : slowest;
            worst = Math.Max(worst, (double)allocated / Math.Max(1, input.Length));
            if (took > SlowInput)
            {
                findings.Add(new FuzzFinding($"took {took.TotalMilliseconds:F0} ms for {input.Length} bytes", input));
            }
            if (allocated > AllocationBound(input.Length))
            {
                findings.Add(new FuzzFinding($"allocated {allocated} bytes for {input.Length} bytes", input));
            }
        }

        foreach (var input in seeds)
        {
            Execute(input);
        }
        for (var i = 0; i < mutations && (budget is null || clock.Elapsed < budget); i++)
        {
            // From a seed, or from a recent mutant so that mutations stack up.
            var parent = recent.Count > 0 && random.Next(2) == 0 ? recent[random.Next(recent.Count)] : seeds[random.Next(seeds.Count)];
            var input = mutator.Mutate(parent, seeds);
            Execute(input);
            if (recent.Count < 64)
            {
                recent.Add(input);
            }
            else
            {
                recent[random.Next(recent.Count)] = input;
            }
        }
        return new FuzzReport(executions, findings, worst, slowest);
    }
}
