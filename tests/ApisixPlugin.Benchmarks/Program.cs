using ApisixPlugin.Benchmarks.EndToEnd;
using ApisixPlugin.Benchmarks.Memory;
using ApisixPlugin.Benchmarks.Reporting;
using ApisixPlugin.Benchmarks.Translation;

// run.sh calls each part in turn; each part can also be run alone.
var options = RunOptions.Parse(args.Skip(1).ToArray());
return args.FirstOrDefault() switch
{
    "translation" => TranslationRun.Run(options),
    "end-to-end" => await EndToEndRun.RunAsync(options),
    "memory" => await MemoryRun.RunAsync(options),
    "allocations" => await AllocationRun.RunAsync(options),
    "controller-view" => await ControllerViewRun.RunAsync(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: ApisixPlugin.Benchmarks translation|end-to-end|memory|allocations|controller-view [--quick] [--summary <file>] [--sidecar <apisix-plugin.dll>] [--compare-sidecar \"label=path|NAME=VALUE,...\"] [--try \"label|NAME=VALUE,...\"] [--try-in-flight N]");
    return 2;
}
