using System.Collections.Immutable;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Rollouts;

namespace ApisixPlugin.Core.Access;

/// <summary>
/// Which ApisixRoutes a Rollout may steer. Its own namespace's, always; a route in another
/// namespace only when that route consents, the way a Gateway API ReferenceGrant does: it names
/// the Rollout's namespace (or <c>*</c>) in <see cref="ApisixRouteConventions.AllowRolloutsFromAnnotation"/>.
/// The operator can narrow this further with <see cref="CrossNamespaceTargets"/>: when it is not
/// empty, only routes in those namespaces can be steered from elsewhere, consent or not.
/// <para>
/// The sidecar writes with one ClusterRole for every tenant of the controller, so without this
/// anyone who may create a Rollout could reroute any ApisixRoute in the cluster.
/// </para>
/// </summary>
public sealed record RouteNamespacePolicy(ImmutableSortedSet<string> CrossNamespaceTargets)
{
    /// <summary>Consent alone decides (no operator allowlist).</summary>
    public static readonly RouteNamespacePolicy ConsentOnly = new(ImmutableSortedSet<string>.Empty.WithComparer(StringComparer.Ordinal));

    public static RouteNamespacePolicy AllowingTargetsIn(IEnumerable<string> namespaces) =>
        new(namespaces.ToImmutableSortedSet(StringComparer.Ordinal));

    /// <summary>
    /// Before anything is read: a target in another namespace must be one the operator allows.
    /// The message names no more of the other namespace than the Rollout's own block does.
    /// </summary>
    public void RequireAllowed(RolloutContext rollout, RouteTarget target) => RequireAllowed(rollout, target.Namespace, $"route {target.Key}");

    /// <summary>The same for whatever <paramref name="what"/> names in <paramref name="ns"/> (a routeSelector's namespace).</summary>
    public void RequireAllowed(RolloutContext rollout, string ns, string what)
    {
        if (ns != rollout.Namespace && !CrossNamespaceTargets.IsEmpty && !CrossNamespaceTargets.Contains(ns))
        {
            throw new RouterException(RouterErrorKind.PermissionDenied,
                $"rollout {rollout.Key}: {what} is in another namespace, and this plugin's operator does not allow Rollouts to use routes in namespace '{ns}' (sidecar option --route-namespaces); nothing was written");
        }
    }

    /// <summary>
    /// After the read, before anything is planned: a route in another namespace must consent.
    /// A missing route gets the same answer as one that does not consent, so that a Rollout
    /// cannot probe which routes exist elsewhere; neither message names a rule or a backend.
    /// </summary>
    public ApisixRouteSnapshot? RequireConsent(RolloutContext rollout, RouteTarget target, ApisixRouteSnapshot? route)
    {
        if (target.Namespace == rollout.Namespace)
        {
            return route;
        }

        RequireAllowed(rollout, target);
        if (route is null || !Consents(route, rollout.Namespace))
        {
            throw new RouterException(RouterErrorKind.PermissionDenied,
                $"rollout {rollout.Key}: route {target.Key} is in another namespace and does not allow Rollouts from namespace '{rollout.Namespace}' (or does not exist): a route consents with the annotation {ApisixRouteConventions.AllowRolloutsFromAnnotation}: \"{rollout.Namespace}\" (a comma-separated list of namespaces, or \"*\"); nothing was written");
        }

        return route;
    }

    /// <summary>Whether the route's consent annotation names <paramref name="rolloutNamespace"/> or <c>*</c>.</summary>
    public static bool Consents(ApisixRouteSnapshot route, string rolloutNamespace)
    {
        var value = route.Annotation(ApisixRouteConventions.AllowRolloutsFromAnnotation);
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        foreach (var entry in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (entry == "*" || entry == rolloutNamespace)
            {
                return true;
            }
        }

        return false;
    }
}
