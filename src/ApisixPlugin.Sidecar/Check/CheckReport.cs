using ApisixPlugin.Core.Preflight;

namespace ApisixPlugin.Sidecar.Check;

/// <summary>What one <c>check</c> run found: findings about the run as a whole, then one list per Rollout.</summary>
internal sealed record CheckReport(
    string PluginName,
    string Server,
    string? Namespace,
    string? Rollout,
    string ControllerConfigMap,
    IReadOnlyList<PreflightFinding> General,
    IReadOnlyList<RolloutReport> Rollouts)
{
    public IEnumerable<PreflightFinding> AllFindings => General.Concat(Rollouts.SelectMany(r => r.Findings));

    public int Count(FindingStatus status) => AllFindings.Count(f => f.Status == status);
}

/// <param name="Traffic">Each configured rule's traffic as APISIX will share it; it explains, it is no verdict.</param>
internal sealed record RolloutReport(string Namespace, string Name, IReadOnlyList<PreflightFinding> Findings, IReadOnlyList<LiveRuleTraffic>? Traffic = null)
{
    public string Key => $"{Namespace}/{Name}";
}
