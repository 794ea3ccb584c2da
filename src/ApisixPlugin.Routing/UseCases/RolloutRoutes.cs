using System.Collections.Immutable;
using ApisixPlugin.Core.Access;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
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
public sealed class RolloutRoutes(IApisixRouteStore store, RouteNamespacePolicy namespaces, RouteMemory memory)
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
        }

        return config;
    }

    /// <summary>
    /// Every route the Rollout steers now: the named ones read concurrently, then what the selector
    /// selects, listed anew on each call (a route labelled since the last step is steered from
    /// this one). In another namespace the selector sees only routes that consent. With
    /// <paramref name="recall"/>, a named route the plugin has seen before is taken from memory
    /// instead of read; the caller must then treat a plan made from it as unconfirmed.
    /// </summary>
    public async Task<ImmutableArray<SteeredRoute>> ReadSteeredAsync(RolloutContext rollout, PluginConfiguration config, CancellationToken cancellationToken, bool recall = false)
    {
        var named = await Task.WhenAll(config.Routes.Select(async target =>
            recall && memory.Recall(target.Key) is { } known
                && (target.Namespace == rollout.Namespace || RouteNamespacePolicy.Consents(known, rollout.Namespace))
                ? new SteeredRoute(target, known) { Recalled = true }
                : new SteeredRoute(target, await RequireAsync(rollout, target, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false);
        ImmutableArray<SteeredRoute> steered = [.. named];
        if (config.Selector is not { } selector)
        {
            return steered;
        }

        var listed = await store.ListAsync(selector.Namespace, selector, cancellationToken).ConfigureAwait(false);
        foreach (var route in listed)
        {
            memory.Remember(route);
        }

        var visible = selector.Namespace == rollout.Namespace ? listed : listed.Where(r => RouteNamespacePolicy.Consents(r, rollout.Namespace));
        var selected = RouteSelection.Select(selector, rollout, config.Routes, visible);
        return selected.IsEmpty ? throw RouteSelection.NothingSelected(selector, rollout) : steered.AddRange(selected);
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

    /// <summary>A route written: what the API server answered is the route as it is now.</summary>
    public void Written(ApisixRouteSnapshot route) => memory.Remember(route);

    /// <summary>A write planned from memory met a different route: what is remembered is wrong.</summary>
    public void Forget(RouteTarget target) => memory.Forget(target.Key);

    /// <summary>A managed route by name in a namespace whose source routes were read (and consented) first.</summary>
    public Task<ApisixRouteSnapshot?> ManagedAsync(string ns, string name, CancellationToken cancellationToken) =>
        store.GetAsync(ns, name, cancellationToken);
}
