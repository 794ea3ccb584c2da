using System.Collections.Immutable;
using ApisixPlugin.Core.Access;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.GitOps;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Routing.Store;

namespace ApisixPlugin.Routing.UseCases;

/// <summary>
/// The routes a Rollout's plugin block names, as the store has them. Every read goes through the
/// namespace policy before anything about the route is planned or reported: a route in another
/// namespace that does not consent is refused with nothing read out of it. What is read is
/// remembered (<see cref="RouteMemory"/>) for a later call that may plan from it.
/// </summary>
public sealed class RolloutRoutes(IApisixRouteStore store, RouteNamespacePolicy namespaces, RouteMemory memory, InProgressLabel inProgressLabel)
{
    /// <summary>
    /// The validated plugin block, with every target inside the operator's namespace allowlist;
    /// the call fails here, before any read, when either is wrong.
    /// </summary>
    public PluginConfiguration Configuration(RolloutContext rollout)
    {
        var config = PluginConfigurationParser.Parse(rollout.PluginName, rollout.PluginConfigJson, rollout.Namespace);
        foreach (var target in config.Routes)
        {
            namespaces.RequireAllowed(rollout, target);
        }

        if (config.Selector is { } selector)
        {
            namespaces.RequireAllowed(rollout, selector.Namespace, selector.ToString());
            RequireForeignLabels(selector);
        }

        return config;
    }

    /// <summary>
    /// Every route the Rollout steers now: the named ones read concurrently, then what the selector
    /// selects, listed anew on each call (a route labelled since the last step is steered from
    /// this one). In another namespace the selector sees only routes that consent. With
    /// <paramref name="recall"/>, a named route the plugin has seen before is taken from memory
    /// instead of read; the caller must then treat a plan made from it as unconfirmed. With
    /// <paramref name="resetting"/> (a call that takes all traffic off the canary) the routes that
    /// still carry this Rollout's marker are added, a selector may select nothing, and a selected
    /// route with nothing to weigh is left out rather than failing the call.
    /// </summary>
    public async Task<ImmutableArray<SteeredRoute>> ReadSteeredAsync(
        RolloutContext rollout, PluginConfiguration config, CancellationToken cancellationToken, bool recall = false, bool resetting = false)
    {
        var named = await Task.WhenAll(config.Routes.Select(async target =>
            recall && memory.Recall(target.Key) is { } known && Recallable(rollout, target, known)
                ? new SteeredRoute(target, known) { Recalled = true }
                : new SteeredRoute(target, await RequireAsync(rollout, target, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false);
        ImmutableArray<SteeredRoute> steered = [.. named];
        if (config.Selector is not { } selector)
        {
            return steered;
        }

        var selected = RouteSelection.Select(selector, rollout, config.Routes, await ListAsync(selector, cancellationToken).ConfigureAwait(false), skipUnweighable: resetting);
        steered = steered.AddRange(selected);

        // A route that left the selection during the rollout still carries this Rollout's marker:
        // taking the canary's traffic away must reach it too, or it would keep the canary's share.
        if (resetting && inProgressLabel.MarkedBy(rollout, selector.Namespace) is { } marked)
        {
            var known = steered.Select(r => r.Target).ToList();
            steered = steered.AddRange(RouteSelection.Select(marked, rollout, known, await ListAsync(marked, cancellationToken).ConfigureAwait(false), skipUnweighable: true));
        }

        return selected.IsEmpty && !resetting ? throw RouteSelection.NothingSelected(selector, rollout) : steered;
    }

    /// <summary>
    /// One list request. Listed routes are not remembered: they are never planned from memory,
    /// and a long list would push out the routes that are.
    /// </summary>
    private Task<IReadOnlyList<ApisixRouteSnapshot>> ListAsync(RouteSelector selector, CancellationToken cancellationToken) =>
        store.ListAsync(selector.Namespace, selector, cancellationToken);

    /// <summary>
    /// A selector on the labels the plugin itself writes would select a route because of what the
    /// plugin did to it (or stop selecting it), so it is refused.
    /// </summary>
    private void RequireForeignLabels(RouteSelector selector)
    {
        string[] own = [ApisixRouteConventions.ManagedByLabel, .. inProgressLabel.Enabled ? [inProgressLabel.Key!] : Array.Empty<string>()];
        if (selector.MatchLabels.Keys.Concat(selector.MatchExpressions.Select(e => e.Key)).FirstOrDefault(own.Contains) is { } key)
        {
            throw RouterException.Invalid($"{selector}: label '{key}' is one the plugin writes itself; select routes by labels of your own");
        }
    }

    /// <summary>All targets, read concurrently; one missing or refused route fails the call.</summary>
    public async Task<ApisixRouteSnapshot[]> ReadAllAsync(RolloutContext rollout, ImmutableArray<RouteTarget> targets, CancellationToken cancellationToken) =>
        await Task.WhenAll(targets.Select(t => RequireAsync(rollout, t, cancellationToken))).ConfigureAwait(false);

    /// <summary>The configured route, read now, once it is known to consent to this Rollout.</summary>
    public async Task<ApisixRouteSnapshot> RequireAsync(RolloutContext rollout, RouteTarget target, CancellationToken cancellationToken)
    {
        var route = await store.GetAsync(target.Namespace, target.Name, cancellationToken).ConfigureAwait(false);
        if (route is null)
        {
            memory.Forget(target.Key);
        }
        else
        {
            memory.Remember(route);
        }

        return namespaces.RequireConsent(rollout, target, route)
            ?? throw RouterException.Precondition($"route {target.Key}: no ApisixRoute named '{target.Name}' in namespace '{target.Namespace}'");
    }

    /// <summary>
    /// The one named route as this sidecar read or wrote it within <paramref name="maxAge"/>, if it
    /// still consented then; null when the call must read.
    /// </summary>
    public SteeredRoute? RecallFresh(RolloutContext rollout, PluginConfiguration config, TimeSpan maxAge) =>
        config is { Routes: [var target], Selector: null } && memory.RecallFresh(target.Key, maxAge) is { } known && Recallable(rollout, target, known)
            ? new SteeredRoute(target, known) { Recalled = true }
            : null;

    /// <summary>
    /// Whether a remembered route may be planned from: it consented when seen, and it holds no
    /// experiment record, which the guard does not test, so a record removed since would go
    /// unnoticed and its backend stay for good.
    /// </summary>
    private static bool Recallable(RolloutContext rollout, RouteTarget target, ApisixRouteSnapshot known) =>
        (target.Namespace == rollout.Namespace || RouteNamespacePolicy.Consents(known, rollout.Namespace))
        && known.Annotation(ApisixRouteConventions.AddedBackendsAnnotation) is null;


    /// <summary>A route written: what the API server answered is the route as it is now.</summary>
    public void Written(ApisixRouteSnapshot route) => memory.Remember(route);

    /// <summary>A write planned from memory met a different route: what is remembered is wrong.</summary>
    public void Forget(RouteTarget target) => memory.Forget(target.Key);

    /// <summary>
    /// A managed route by name in a namespace whose source routes were read (and consented) first.
    /// With <paramref name="rememberMissing"/> (RemoveManagedRoutes), a miss is remembered for the
    /// SetWeight the controller sends right after it.
    /// </summary>
    public async Task<ApisixRouteSnapshot?> ManagedAsync(string ns, string name, CancellationToken cancellationToken, bool rememberMissing = false)
    {
        var key = $"{ns}/{name}";
        var read = rememberMissing ? memory.BeginAbsenceRead(key) : 0;
        ApisixRouteSnapshot? route;
        try
        {
            route = await store.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            memory.EndAbsenceRead(key, read);
            throw;
        }

        if (route is null && rememberMissing)
        {
            memory.RememberAbsent(key, read);
        }
        else
        {
            memory.Forget(key);
        }

        return route;
    }

    /// <summary>
    /// Like <see cref="ManagedAsync"/>, but a route RemoveManagedRoutes found missing within
    /// <see cref="RouteMemory.RecentEnough"/> (and this sidecar has not made since) is not read
    /// again: at promotion and at abort the controller calls SetWeight right after it.
    /// </summary>
    public Task<ApisixRouteSnapshot?> ManagedUnlessJustMissingAsync(string ns, string name, CancellationToken cancellationToken) =>
        memory.WasAbsentWithin($"{ns}/{name}", RouteMemory.RecentEnough) ? Task.FromResult<ApisixRouteSnapshot?>(null) : ManagedAsync(ns, name, cancellationToken);

    /// <summary>A managed route this plugin made: it exists now, whatever was read before.</summary>
    public void Created(string key) => memory.Forget(key);
}
