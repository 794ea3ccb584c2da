using ApisixPlugin.Core.Preflight;

namespace ApisixPlugin.Sidecar.Check;

/// <summary>
/// The readable report: a header, the findings not tied to one Rollout, then each Rollout's, one
/// line each (status, check, message), with its rules' traffic as APISIX will share it, and the totals.
/// </summary>
internal static class CheckTextReport
{
    public static async Task WriteAsync(TextWriter output, CheckReport report)
    {
        var scope = report.Namespace is null ? "all namespaces" : $"namespace {report.Namespace}";
        await output.WriteLineAsync($"apisix-plugin check: plugin {report.PluginName}, {scope}, API server {report.Server}").ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync($"cluster (controller configmap {report.ControllerConfigMap})").ConfigureAwait(false);
        await WriteFindingsAsync(output, report.General).ConfigureAwait(false);
        foreach (var rollout in report.Rollouts)
        {
            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync($"rollout {rollout.Key}: {Status(PreflightFinding.Worst(rollout.Findings))}").ConfigureAwait(false);
            await WriteFindingsAsync(output, rollout.Findings).ConfigureAwait(false);
            await WriteTrafficAsync(output, rollout.Traffic ?? []).ConfigureAwait(false);
        }

        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync(
            $"result: {Status(PreflightFinding.Worst(report.AllFindings))} ({report.Count(FindingStatus.Pass)} pass, {report.Count(FindingStatus.Warn)} warn, {report.Count(FindingStatus.Fail)} fail)")
            .ConfigureAwait(false);
    }

    private static async Task WriteFindingsAsync(TextWriter output, IReadOnlyList<PreflightFinding> findings)
    {
        foreach (var finding in findings)
        {
            await output.WriteLineAsync($"  {Status(finding.Status),-4}  {finding.Check,-17}  {finding.Message}").ConfigureAwait(false);
        }
    }

    /// <summary>Each configured rule's line, as simulate prints it, then what the numbers rest on.</summary>
    private static async Task WriteTrafficAsync(TextWriter output, IReadOnlyList<LiveRuleTraffic> traffic)
    {
        if (traffic.Count == 0)
        {
            return;
        }

        await output.WriteLineAsync("  traffic as APISIX will share it:").ConfigureAwait(false);
        foreach (var rule in traffic)
        {
            await output.WriteLineAsync($"    {rule.Traffic.Source.Route} rule {rule.Traffic.Source.Rule} ({rule.Basis}): {rule.Traffic.Describe()}").ConfigureAwait(false);
            foreach (var note in rule.Traffic.AllNotes().Concat(rule.ServicesNote is { } n ? [n] : []))
            {
                await output.WriteLineAsync($"      note: {note}").ConfigureAwait(false);
            }
        }
    }

    public static string Status(FindingStatus status) => status switch
    {
        FindingStatus.Pass => "PASS",
        FindingStatus.Warn => "WARN",
        _ => "FAIL",
    };
}
