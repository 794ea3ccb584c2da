using System.Collections.Immutable;
using ApisixPlugin.Core.Access;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Configuration;

/// <summary>A route the Rollout steers, as it was read for this call, or as it was last seen (<see cref="Recalled"/>).</summary>
public sealed record SteeredRoute(RouteTarget Target, ApisixRouteSnapshot Route)
{
    /// <summary>Taken from what the plugin last read or wrote instead of read now: a plan made from it must be confirmed or guarded.</summary>
    public bool Recalled { get; init; }
}

/// <summary>
/// What a <see cref="RouteSelector"/> selects from the routes listed in its namespace. In
/// another namespace than the Rollout's, only routes that consent are seen at all. The plugin's
/// own managed routes are never selected (they are made from the selected ones), and a route the
/// block also names is steered once, with the rules the block names for it.
/// </summary>
public static class RouteSelection
{
    /// <param name="skipUnweighable">
    /// Leave out, instead of failing on, a route with no rule holding both backends (with
    /// <c>routeSelector.rules</c>, the configured rules it lacks or that lack either backend):
    /// when the call only takes traffic away from the canary, there is nothing there to reset.
    /// </param>
    public static ImmutableArray<SteeredRoute> Select(
        RouteSelector selector, RolloutContext rollout, IEnumerable<RouteTarget> named, IEnumerable<ApisixRouteSnapshot> listed, bool skipUnweighable = false)
    {
        var (canary, stable) = rollout.EffectiveServices();
        var selected = ImmutableArray.CreateBuilder<SteeredRoute>();
        foreach (var route in listed.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            if ((route.Namespace != rollout.Namespace && !RouteNamespacePolicy.Consents(route, rollout.Namespace))
                || ManagedRouteOwnership.IsManagedByPlugin(route) || named.Any(t => t.Key == route.Key) || !selector.Matches(route.Labels()))
            {
                continue;
            }

            var weighable = route.Rules().Where(r => r.HasBackend(canary) && r.HasBackend(stable)).Select(r => r.Name).Distinct(StringComparer.Ordinal).ToList();
            var rules = selector.Rules.IsEmpty ? [.. weighable]
                // A configured rule this route lacks, or one without both backends, holds none of
                // the canary's traffic to take back: an abort must not stop at it.
                : skipUnweighable ? [.. selector.Rules.Where(weighable.Contains)]
                : selector.Rules;

            if (rules.IsEmpty && skipUnweighable)
            {
                continue;
            }

            if (rules.IsEmpty)
            {
                throw RouterException.Precondition(
                    $"route {route.Key} (selected by {selector}): no rule has both the canary backend '{canary}' and the stable backend '{stable}'; name its rules in routeSelector.rules, or change the selector or the route's labels so that it is not selected; nothing was written");
            }

            selected.Add(new SteeredRoute(new RouteTarget(route.Namespace, route.Name, rules), route));
        }

        return selected.ToImmutable();
    }

    /// <summary>The error for a selector that selects nothing: a rollout that steers no route would report success and move no traffic.</summary>
    public static RouterException NothingSelected(RouteSelector selector, RolloutContext rollout) =>
        RouterException.Precondition(selector.Namespace == rollout.Namespace
            ? $"{selector} selects no ApisixRoute (the plugin's own managed routes and routes named in the block do not count); label the routes to steer, or fix the selector; nothing was written"
            : $"{selector} selects no ApisixRoute that allows Rollouts from namespace '{rollout.Namespace}' (annotation {ApisixRouteConventions.AllowRolloutsFromAnnotation}); nothing was written");
}
