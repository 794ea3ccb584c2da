using ApisixPlugin.Core.Access;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Preflight;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Routing.Store;

namespace ApisixPlugin.Routing.Preflight;

/// <summary>
/// What the preflight found for one Rollout, its parsed block (null when it does not parse), and
/// the routes it steers that could be read and consent, named or selected, as read, and the
/// managed routes of this Rollout found next to them.
/// </summary>
public sealed record RolloutCheckResult(RolloutContext Rollout, PluginConfiguration? Config, IReadOnlyList<PreflightFinding> Findings)
{
    public IReadOnlyList<SteeredRoute> Steered { get; init; } = [];

    public IReadOnlyList<ApisixRouteSnapshot> OwnedManagedRoutes { get; init; } = [];
}

/// <summary>
/// The preflight of one Rollout over the route store, reading only: its block, then each route it
/// names (consent first, as the sidecar goes) or selects, then each managed route name in every namespace
/// the sidecar would write one to. Nothing is written; a read that fails is a FAIL naming the route.
/// </summary>
public sealed class RolloutCheck(IApisixRouteStore store, RouteNamespacePolicy namespaces)
{
    public async Task<RolloutCheckResult> RunAsync(RolloutContext rollout, string? ingressClass, CancellationToken cancellationToken)
    {
        var (config, parsed) = RoutePreflight.ParseConfiguration(rollout);
        var findings = new List<PreflightFinding> { parsed };
        if (config is null)
        {
            return new RolloutCheckResult(rollout, null, findings);
        }

        // A managed route goes next to the routes of each namespace; where they do not consent the sidecar writes none.
        var managedNamespaces = new List<string>();
        var steered = new List<SteeredRoute>();
        foreach (var target in config.Routes)
        {
            var (route, failed) = await ReadAsync(target.Namespace, target.Name, cancellationToken).ConfigureAwait(false);
            if (failed is not null)
            {
                findings.Add(PreflightFinding.Fail(PreflightCheck.Route, target.Key, failed));
                continue;
            }

            if (RoutePreflight.CheckConsent(rollout, target, route, namespaces) is { } consent)
            {
                findings.Add(consent);
                if (consent.Status == FindingStatus.Fail)
                {
                    // Nothing more of a route that refuses this Rollout, as the sidecar tells nothing more.
                    continue;
                }
            }

            findings.AddRange(RoutePreflight.CheckRoute(rollout, target, route, ingressClass));
            if (route is not null)
            {
                steered.Add(new SteeredRoute(target, route));
            }

            if (!managedNamespaces.Contains(target.Namespace))
            {
                managedNamespaces.Add(target.Namespace);
            }
        }

        if (config.Selector is { } selector)
        {
            var (selected, failure) = await SelectAsync(rollout, config, selector, cancellationToken).ConfigureAwait(false);
            if (failure is not null)
            {
                findings.Add(PreflightFinding.Fail(PreflightCheck.Route, selector.ToString(), failure));
            }
            else
            {
                findings.Add(PreflightFinding.Pass(PreflightCheck.Route, selector.ToString(),
                    $"selects {string.Join(", ", selected.Select(r => $"{r.Target.Key} (rules {string.Join(", ", r.Target.Rules.Select(n => $"'{n}'"))})"))}"));
                foreach (var (target, route) in selected)
                {
                    findings.AddRange(RoutePreflight.CheckRoute(rollout, target, route, ingressClass));
                }

                steered.AddRange(selected);

                if (!managedNamespaces.Contains(selector.Namespace))
                {
                    managedNamespaces.Add(selector.Namespace);
                }
            }
        }

        var owned = new List<ApisixRouteSnapshot>();
        foreach (var ns in managedNamespaces)
        {
            foreach (var name in rollout.ManagedRoutes.Distinct(StringComparer.Ordinal))
            {
                if (string.IsNullOrWhiteSpace(name))
                {
                    findings.Add(RoutePreflight.CheckManagedRoute(rollout, ns, name, null));
                    continue;
                }

                var (existing, failed) = await ReadAsync(ns, name, cancellationToken).ConfigureAwait(false);
                if (existing is not null && ManagedRouteOwnership.IsOwnedBy(existing, rollout))
                {
                    owned.Add(existing);
                }

                findings.Add(failed is null
                    ? RoutePreflight.CheckManagedRoute(rollout, ns, name, existing)
                    : PreflightFinding.Fail(PreflightCheck.ManagedRoute, $"{ns}/{name}", failed));
            }
        }

        return new RolloutCheckResult(rollout, config, findings) { Steered = steered, OwnedManagedRoutes = owned };
    }

    /// <summary>What the selector selects now, as the sidecar would select it, or why it cannot.</summary>
    private async Task<(IReadOnlyList<SteeredRoute> Selected, string? Failure)> SelectAsync(
        RolloutContext rollout, PluginConfiguration config, RouteSelector selector, CancellationToken cancellationToken)
    {
        try
        {
            namespaces.RequireAllowed(rollout, selector.Namespace, selector.ToString());
            var listed = await store.ListAsync(selector.Namespace, selector, cancellationToken).ConfigureAwait(false);
            var selected = RouteSelection.Select(selector, rollout, config.Routes, listed);
            return selected.IsEmpty ? ([], RouteSelection.NothingSelected(selector, rollout).Message) : (selected, null);
        }
        catch (RouterException e)
        {
            return ([], e.Message);
        }
    }

    private async Task<(ApisixRouteSnapshot? Route, string? Failure)> ReadAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await store.GetAsync(ns, name, cancellationToken).ConfigureAwait(false), null);
        }
        catch (RouterException e)
        {
            return (null, e.Message);
        }
    }
}
