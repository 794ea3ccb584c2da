using ApisixPlugin.Benchmarks.Reporting;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ApisixPlugin.Benchmarks.Translation;

/// <summary>
/// Runs the BenchmarkDotNet part and condenses its reports into the summary table. In-process
/// toolchain: BenchmarkDotNet's generated project would inherit this repository's strict build
/// settings and central package versions, and a second build per run costs minutes on 2 cores.
/// </summary>
internal static class TranslationRun
{
    public static int Run(RunOptions options)
    {
        var job = (options.Quick ? Job.ShortRun : Job.Default.WithWarmupCount(5).WithIterationCount(15))
            .WithToolchain(InProcessEmitToolchain.Instance);
        var config = DefaultConfig.Instance
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByParams)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "apisixplugin-benchmarks"))
            .WithOptions(ConfigOptions.DisableLogFile);

        var translation = BenchmarkRunner.Run<TranslationBenchmarks>(config);
        var configuration = BenchmarkRunner.Run<ConfigurationBenchmarks>(config);
        if (translation.HasCriticalValidationErrors || configuration.HasCriticalValidationErrors
            || translation.Reports.Concat(configuration.Reports).Any(r => r.ResultStatistics is null))
        {
            Console.Error.WriteLine("BenchmarkDotNet reported errors; see above.");
            return 1;
        }

        var summary = new SummaryWriter(options.SummaryPath);
        Report(summary, translation, configuration, options.Quick);
        summary.Flush();
        return 0;
    }

    private static void Report(SummaryWriter summary, BenchmarkDotNet.Reports.Summary translation, BenchmarkDotNet.Reports.Summary configuration, bool quick)
    {
        summary.Line($"## 1. Translation (BenchmarkDotNet, {(quick ? "ShortRun" : "5 warm-up + 15 iterations")}, in-process, Release)");
        summary.Line();
        summary.Line("| rules | configured | Plan | alloc | parse + Plan + patch bytes | alloc | built-in style (parse tree + set + full PUT body) | alloc |");
        summary.Line("|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var rules in new[] { 1, 50, 500 })
        {
            foreach (var configured in new[] { ConfiguredRules.Last, ConfiguredRules.Every })
            {
                var plan = Find(translation, nameof(TranslationBenchmarks.Plan), rules, configured);
                var whole = Find(translation, nameof(TranslationBenchmarks.ParsePlanSerialize), rules, configured);
                var builtIn = Find(translation, nameof(TranslationBenchmarks.BuiltInStyle), rules, configured);
                summary.Line($"| {rules} | {configured.ToString().ToLowerInvariant()} | {Time(plan)} | {Bytes(plan)} | {Time(whole)} | {Bytes(whole)} | {Time(builtIn)} | {Bytes(builtIn)} |");
            }
        }

        summary.Line();
        foreach (var configured in new[] { ConfiguredRules.Last, ConfiguredRules.Every })
        {
            var plan500 = Mean(Find(translation, nameof(TranslationBenchmarks.Plan), 500, configured));
            var plan50 = Mean(Find(translation, nameof(TranslationBenchmarks.Plan), 50, configured));
            var whole500 = Mean(Find(translation, nameof(TranslationBenchmarks.ParsePlanSerialize), 500, configured));
            var whole50 = Mean(Find(translation, nameof(TranslationBenchmarks.ParsePlanSerialize), 50, configured));
            var parse500 = Mean(Find(translation, nameof(TranslationBenchmarks.Parse), 500, configured));
            summary.Line($"- 500 rules, {configured.ToString().ToLowerInvariant()} configured: Plan {SummaryWriter.F(plan500 / 1e6, "0.000")} ms, "
                + $"parse + Plan + patch {SummaryWriter.F(whole500 / 1e6, "0.000")} ms (target < 1 ms: {(Math.Max(plan500, whole500) < 1e6 ? "met" : "NOT met")}); "
                + $"500/50 time ratio {SummaryWriter.F(plan500 / plan50, "0.0")} (Plan), {SummaryWriter.F(whole500 / whole50, "0.0")} (with parse) - linear is 10; "
                + $"of which parsing the route text alone: {SummaryWriter.F(parse500 / 1e6, "0.000")} ms");
        }

        summary.Line();
        foreach (var report in configuration.Reports)
        {
            summary.Line($"- PluginConfigurationParser.Parse, {report.BenchmarkCase.Descriptor.WorkloadMethod.Name}: {Time(report)}, {Bytes(report)} allocated");
        }

        summary.Line();
    }

    private static BenchmarkReport Find(BenchmarkDotNet.Reports.Summary summary, string method, int rules, ConfiguredRules configured) =>
        summary.Reports.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method
            && (int)r.BenchmarkCase.Parameters["Rules"] == rules
            && (ConfiguredRules)r.BenchmarkCase.Parameters["Configured"] == configured);

    private static double Mean(BenchmarkReport report) => report.ResultStatistics!.Mean;

    private static string Time(BenchmarkReport report)
    {
        var ns = Mean(report);
        return ns >= 1e6 ? $"{SummaryWriter.F(ns / 1e6, "0.000")} ms" : ns >= 1e3 ? $"{SummaryWriter.F(ns / 1e3, "0.00")} µs" : $"{SummaryWriter.F(ns, "0")} ns";
    }

    private static string Bytes(BenchmarkReport report)
    {
        var bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0;
        return bytes >= 1 << 20 ? $"{SummaryWriter.F(bytes / 1048576.0, "0.0")} MiB" : bytes >= 1024 ? $"{SummaryWriter.F(bytes / 1024.0, "0.0")} KiB" : $"{bytes} B";
    }
}
