using System.Globalization;
using ApisixPlugin.GoPlugin.Fuzz;
using SharpFuzz;

// Commands (README.md has the whole procedure):
//   gob | gob-shaped | yamux          the target under afl-fuzz (input on stdin / AFL's shared memory)
//   seeds GOBDUMP_DIR OUT_DIR         seeds for the targets from Go-produced bytes
//   run TARGET SEED_DIR SECONDS [N]   in-process mutation run without afl-fuzz; findings to ./findings-<target>
if (args.Length >= 1 && FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var input = buffer.ToArray();
        var before = GC.GetAllocatedBytesForCurrentThread();
        target(input);
        // afl-fuzz sees exceptions and time; memory beyond the bound is made a crash too.
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > FuzzRun.AllocationBound(input.Length))
        {
            throw new InvalidOperationException($"allocated {allocated} bytes for {input.Length} bytes of input");
        }
    });
    return 0;
}

if (args is ["seeds", var gobdump, var output])
{
    SeedCorpus.Write(gobdump, output);
    Console.WriteLine($"seeds written to {Path.Combine(output, "gob")} and {Path.Combine(output, "yamux")}");
    return 0;
}

if (args.Length is 4 or 5 && args[0] == "run" && FuzzTargets.All.TryGetValue(args[1], out var runTarget))
{
    var seeds = Directory.GetFiles(args[2]).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
    var seconds = double.Parse(args[3], CultureInfo.InvariantCulture);
    var seed = args.Length == 5 ? int.Parse(args[4], CultureInfo.InvariantCulture) : Environment.TickCount;
    var report = FuzzRun.Run(runTarget, seeds, int.MaxValue, seed, TimeSpan.FromSeconds(seconds));
    Console.WriteLine(FormattableString.Invariant(
        $"{args[1]}: {report.Executions} executions in {seconds} s (seed {seed}), {report.Findings.Count} findings, worst allocation {report.WorstAllocationPerByte:F1} bytes per input byte, slowest input {report.Slowest.TotalMilliseconds:F0} ms"));
    var findings = Directory.CreateDirectory($"findings-{args[1]}").FullName;
    for (var i = 0; i < report.Findings.Count; i++)
    {
        File.WriteAllBytes(Path.Combine(findings, $"finding-{i}.bin"), report.Findings[i].Input);
        Console.WriteLine($"finding-{i}.bin: {report.Findings[i].What}");
    }
    return report.Findings.Count == 0 ? 0 : 1;
}

Console.Error.WriteLine("usage: gob | yamux | seeds GOBDUMP_DIR OUT_DIR | run gob|yamux SEED_DIR SECONDS [SEED]");
return 2;
