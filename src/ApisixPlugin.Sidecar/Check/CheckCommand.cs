using ApisixPlugin.Contracts;
using ApisixPlugin.Core.Access;
using ApisixPlugin.Core.Preflight;
using ApisixPlugin.Kubernetes.Preflight;
using ApisixPlugin.Routing.Preflight;

namespace ApisixPlugin.Sidecar.Check;

/// <summary>
/// <c>apisix-plugin check</c>: reads the Rollouts that use this plugin, their routes, the
/// controller's ConfigMap and what the credentials in use may do, and reports each check. It
/// writes nothing. Exit code 0 when no check failed, 1 when one did or the API server did not
/// answer, 2 for a bad command line or kubeconfig.
/// </summary>
internal static class CheckCommand
{
    public static async Task<int> RunAsync(CheckArguments arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ClusterPreflightReader reader;
        try
        {
            reader = ClusterPreflightReader.Connect(arguments.Kubeconfig);
        }
        catch (Exception e)
        {
            // Whatever the client throws for a file it cannot use (an empty one fails deep inside
            // it): only the configuration is read here, nothing has been asked of a server yet.
            await error.WriteLineAsync(arguments.Kubeconfig is null
                ? $"check: no usable Kubernetes credentials (no --kubeconfig, not in a cluster, no default kubeconfig): {e.Message}"
                : $"check: --kubeconfig '{arguments.Kubeconfig}' is not a usable kubeconfig: {e.Message}").ConfigureAwait(false);
            return CommandLineRunner.UsageExitCode;
        }

        CheckReport report;
        using (reader)
        {
            try
            {
                report = await new ClusterCheck(reader, arguments).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ClusterUnreachableException e)
            {
                await error.WriteLineAsync($"check: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        }

        if (arguments.Json)
        {
            await output.WriteAsync(CheckJsonReport.Write(report)).ConfigureAwait(false);
        }
        else
        {
            await CheckTextReport.WriteAsync(output, report).ConfigureAwait(false);
        }

        var failed = report.AllFindings.Count(f => f.Status == FindingStatus.Fail);
        if (failed > 0)
        {
            await error.WriteLineAsync($"check: {failed} check{(failed == 1 ? "" : "s")} failed").ConfigureAwait(false);
            return 1;
        }

        return 0;
    }

    /// <summary>One run over the cluster: the Rollouts in scope, each one's checks, the controller's registration.</summary>
    private sealed class ClusterCheck(ClusterPreflightReader reader, CheckArguments arguments)
    {
        /// <summary>Each permission is asked once per run, however many Rollouts need it.</summary>
        private readonly Dictionary<(string, string, string, string), AccessAnswer> _answers = [];

        private readonly CheckTraffic _traffic = new(reader);

        /// <summary>As the sidecar judges routes in other namespaces: consent, within the operator's list when one is given.</summary>
        private readonly RouteNamespacePolicy _namespaces = RouteNamespacePolicy.AllowingTargetsIn(arguments.RouteNamespaces);

        public async Task<CheckReport> RunAsync(CancellationToken cancellationToken)
        {
            var ns = arguments.AllNamespaces ? null : arguments.Namespace ?? reader.DefaultNamespace;
            var general = new List<PreflightFinding>();
            var rollouts = new List<RolloutReport>();
            var scope = ns is null ? "all namespaces" : $"namespace {ns}";

            var read = arguments.Rollout is { } name
                ? await reader.GetRolloutAsync(ns!, name, cancellationToken).ConfigureAwait(false)
                : await reader.ListRolloutsAsync(ns, cancellationToken).ConfigureAwait(false);
            if (read.Problem is { } problem)
            {
                general.Add(PreflightFinding.Fail(PreflightCheck.Rollouts, scope, arguments.Rollout is null
                    ? $"cannot list Rollouts in {scope}: {problem}; with --rollout NAME one Rollout is read with get instead"
                    : $"cannot read rollout {ns}/{arguments.Rollout}: {problem}"));
            }

            var live = read.Rollouts.Select(r => new LiveRollout(r)).ToList();
            var mine = live.Where(r => arguments.Rollout is not null || r.UsesPlugin(arguments.PluginName)).ToList();
            if (read.Problem is null && mine.Count == 0)
            {
                general.Add(PreflightFinding.Warn(PreflightCheck.Rollouts, scope,
                    $"no Rollout in {scope} names '{arguments.PluginName}' under spec.strategy.canary.trafficRouting.plugins ({live.Count} Rollout(s) read)"));
            }

            foreach (var rollout in mine)
            {
                rollouts.Add(await CheckRolloutAsync(rollout, cancellationToken).ConfigureAwait(false));
            }

            // Without a Rollout to go by, what the sidecar would need in the namespace given.
            if (mine.Count == 0 && ns is not null)
            {
                general.AddRange(await PermissionsAsync(SidecarAccess.For([ns], ns, hasManagedRoutes: false), cancellationToken).ConfigureAwait(false));
            }

            var config = await reader.ReadControllerConfigAsync(arguments.ControllerNamespace, CheckArguments.ControllerConfigMap, cancellationToken).ConfigureAwait(false);
            var (registration, entry) = ControllerRegistration.Inspect(arguments.PluginName, PluginDefaults.SocketPath, config);
            general.Add(registration);
            var pod = await reader.ReadControllerPodAsync(arguments.ControllerNamespace, arguments.ControllerDeployment, cancellationToken).ConfigureAwait(false);
            general.AddRange(ControllerPod.Check(pod, entry, PluginDefaults.SocketPath));
            return new CheckReport(arguments.PluginName, reader.Server, ns, arguments.Rollout, config.Key, general, rollouts);
        }

        private async Task<RolloutReport> CheckRolloutAsync(LiveRollout rollout, CancellationToken cancellationToken)
        {
            if (rollout.NotUsingPlugin(arguments.PluginName) is { } notMine)
            {
                return new RolloutReport(rollout.Namespace, rollout.Name, [PreflightFinding.Fail(PreflightCheck.PluginConfig, rollout.Key, notMine)]);
            }

            var context = rollout.ToContext(arguments.PluginName);
            var result = await new RolloutCheck(reader.Routes, _namespaces)
                .RunAsync(context, arguments.IngressClass, cancellationToken).ConfigureAwait(false);
            var permissions = await PermissionsAsync(SidecarAccess.For(context, result.Config), cancellationToken).ConfigureAwait(false);
            var traffic = result.Config is null ? [] : await _traffic.ReadAsync(result, cancellationToken).ConfigureAwait(false);
            return new RolloutReport(rollout.Namespace, rollout.Name, [.. result.Findings, .. RolloutSteps.Check(rollout), .. permissions], traffic);
        }

        private async Task<IReadOnlyList<PreflightFinding>> PermissionsAsync(IReadOnlyList<AccessNeed> needs, CancellationToken cancellationToken)
        {
            var answered = new List<(AccessNeed, AccessAnswer)>();
            foreach (var need in needs)
            {
                var key = (need.Group, need.Resource, need.Verb, need.Namespace);
                if (!_answers.TryGetValue(key, out var answer))
                {
                    answer = await reader.ReviewAsync(need, cancellationToken).ConfigureAwait(false);
                    _answers[key] = answer;
                }

                answered.Add((need, answer));
            }

            return SidecarAccess.Findings(answered);
        }
    }
}
