using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Traffic;
using ApisixPlugin.Kubernetes.Preflight;
using ApisixPlugin.Routing.Preflight;

namespace ApisixPlugin.Sidecar.Check;

/// <summary>
/// One configured rule's traffic as the live cluster makes it: the generation read from the
/// route's status, and why the Services could not be read (then each counts as served), or null.
/// </summary>
internal sealed record LiveRuleTraffic(RuleTraffic Traffic, ControllerGeneration Generation, string? ServicesProblem)
{
    /// <summary>What the numbers rest on, for the text report.</summary>
    public string Basis => (Generation == ControllerGeneration.Unknown
            ? "ingress controller generation unknown: the route has no status"
            : $"{ControllerGenerations.Describe(Generation)}, from the route's status")
        + (ServicesProblem is null ? "; Services read" : "; Services not read");

    public string? ServicesNote => ServicesProblem is null
        ? null
        : $"the Services could not be read ({ServicesProblem}), so every backend counts as served: a missing one is skipped by a 2.x ingress controller and fails the whole route on 1.x";
}

/// <summary>
/// What check adds to the verdicts: each steered rule's share of requests as APISIX will apply
/// it, with the plugin's managed routes over it and the Services the API server has. The routes
/// are the ones <see cref="Routing.Preflight.RolloutCheck"/> read and found consenting, with the
/// managed routes it read; a route that could not be read, or that refuses this Rollout, is not
/// there (its finding says why).
/// </summary>
internal sealed class CheckTraffic(ClusterPreflightReader reader)
{
    /// <summary>Each Service is read once per run.</summary>
    private readonly Dictionary<(string, string), ServiceRead> _services = [];

    public async Task<IReadOnlyList<LiveRuleTraffic>> ReadAsync(RolloutCheckResult checkedRollout, CancellationToken cancellationToken)
    {
        var (canary, stable) = checkedRollout.Rollout.EffectiveServices();
        var roles = new ServiceRoles(canary, stable);
        var traffic = new List<LiveRuleTraffic>();
        foreach (var (target, route) in checkedRollout.Steered)
        {
            // Only this Rollout's own managed routes sit over its rules; a foreign route of that name is not the plugin's.
            var managed = checkedRollout.OwnedManagedRoutes.Where(m => m.Namespace == target.Namespace).ToList();
            var rules = target.Rules.Select(r => route.FindRule(r)).OfType<RouteRule>().ToList();
            var services = rules.SelectMany(r => r.Backends).Concat(managed.SelectMany(m => m.Rules()).SelectMany(r => r.Backends))
                .Select(b => b.ServiceName).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal);
            var (known, problem) = await ReadServicesAsync(target.Namespace, services, cancellationToken).ConfigureAwait(false);
            var generation = ControllerGenerations.FromStatus(route);
            traffic.AddRange(rules.Select(rule =>
                new LiveRuleTraffic(ManagedRuleTraffic.For(route, rule, managed, roles, known, generation), generation, problem)));
        }

        return traffic;
    }

    private async Task<(KnownServices Known, string? Problem)> ReadServicesAsync(string ns, IEnumerable<string> names, CancellationToken cancellationToken)
    {
        var present = new List<string>();
        var absent = new List<string>();
        var problems = new List<string>();
        foreach (var name in names)
        {
            if (!_services.TryGetValue((ns, name), out var read))
            {
                read = await reader.ReadServiceAsync(ns, name, cancellationToken).ConfigureAwait(false);
                _services[(ns, name)] = read;
            }

            (read.Exists switch { true => present, false => absent, _ => problems }).Add(read.Problem ?? name);
        }

        return (new KnownServices([.. present], [.. absent]), problems.Count == 0 ? null : string.Join("; ", problems.Distinct(StringComparer.Ordinal)));
    }
}
