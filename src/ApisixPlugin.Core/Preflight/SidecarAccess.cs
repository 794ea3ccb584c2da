using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Preflight;

/// <summary>One permission the sidecar uses, in one namespace, and how bad it is to lack it.</summary>
public sealed record AccessNeed(string Group, string Resource, string Verb, string Namespace, FindingStatus IfDenied, string Why)
{
    /// <summary>"apisixroutes.apisix.apache.org", or "events" for the core group, as kubectl names a resource.</summary>
    public string QualifiedResource => Group.Length == 0 ? Resource : $"{Resource}.{Group}";
}

/// <summary>What the API server answered a SelfSubjectAccessReview of a need; <see cref="Error"/> when it could not be asked.</summary>
public sealed record AccessAnswer(bool Allowed, string? Reason = null, string? Error = null);

/// <summary>
/// The sidecar's permissions, per namespace: exactly the verbs it calls, as deploy/ grants them
/// (added to the controller's ClusterRole, or the namespaced variant's Role): get and patch to
/// weigh routes, list for a routeSelector, create and delete for managed routes, create on Events
/// of the Rollout.
/// </summary>
public static class SidecarAccess
{
    public const string EventsResource = "events";

    /// <summary>
    /// For a Rollout: the route verbs in each namespace its routes are in (its own when the block
    /// does not parse), Events in its own. create and delete only warn for a Rollout without
    /// managedRoutes: only header and mirror steps call them.
    /// </summary>
    public static IReadOnlyList<AccessNeed> For(RolloutContext rollout, PluginConfiguration? config)
    {
        var needs = For(config is null ? [rollout.Namespace] : config.RouteNamespaces, rollout.Namespace, !rollout.ManagedRoutes.IsEmpty);
        return config?.Selector is { } selector
            ? [Route("list", selector.Namespace, FindingStatus.Fail, "routeSelector lists the routes it selects"), .. needs]
            : needs;
    }

    /// <summary>
    /// The route verbs in each of <paramref name="routeNamespaces"/>, Events in
    /// <paramref name="rolloutNamespace"/>; also what is asked where no Rollout could be read.
    /// </summary>
    public static IReadOnlyList<AccessNeed> For(IEnumerable<string> routeNamespaces, string rolloutNamespace, bool hasManagedRoutes)
    {
        var managed = hasManagedRoutes ? FindingStatus.Fail : FindingStatus.Warn;
        var needs = new List<AccessNeed>();
        foreach (var ns in routeNamespaces.Distinct(StringComparer.Ordinal))
        {
            needs.Add(Route("get", ns, FindingStatus.Fail, "every call reads the routes"));
            needs.Add(Route("patch", ns, FindingStatus.Fail, "setWeight writes the weights"));
            needs.Add(Route("create", ns, managed, hasManagedRoutes
                ? "header and mirror steps create the managed routes"
                : "header and mirror steps create managed routes; no managedRoutes are listed yet"));
            needs.Add(Route("delete", ns, managed, hasManagedRoutes
                ? "managed routes are deleted at the end of a rollout"
                : "managed routes are deleted at the end of a rollout; no managedRoutes are listed yet"));
        }

        needs.Add(new AccessNeed("", EventsResource, "create", rolloutNamespace, FindingStatus.Warn,
            "the plugin records Events on the Rollout; routing works without them"));
        return needs;
    }

    /// <summary>The needs denied, one finding each; the allowed ones as one PASS per namespace.</summary>
    public static IReadOnlyList<PreflightFinding> Findings(IReadOnlyList<(AccessNeed Need, AccessAnswer Answer)> answered)
    {
        var findings = new List<PreflightFinding>();
        foreach (var group in answered.GroupBy(a => a.Need.Namespace, StringComparer.Ordinal))
        {
            var subject = $"namespace {group.Key}";
            var allowed = group.Where(a => a.Answer.Allowed).Select(a => a.Need).ToList();
            if (allowed.Count > 0)
            {
                var verbs = allowed.GroupBy(n => n.QualifiedResource).Select(r => $"{string.Join(", ", r.Select(n => n.Verb))} {r.Key}");
                findings.Add(PreflightFinding.Pass(PreflightCheck.Permission, subject, $"may {string.Join("; ", verbs)} in namespace {group.Key}"));
            }

            foreach (var (need, answer) in group.Where(a => !a.Answer.Allowed))
            {
                findings.Add(answer.Error is { } error
                    ? PreflightFinding.Warn(PreflightCheck.Permission, subject,
                        $"could not ask whether {need.Verb} {need.QualifiedResource} is allowed in namespace {need.Namespace}: {error}")
                    : new PreflightFinding(need.IfDenied, PreflightCheck.Permission, subject,
                        $"may not {need.Verb} {need.QualifiedResource} in namespace {need.Namespace} ({need.Why}); " +
                        $"grant it to the sidecar's ServiceAccount as deploy/ does{(string.IsNullOrWhiteSpace(answer.Reason) ? "" : $" (API server: {answer.Reason})")}"));
            }
        }

        return findings;
    }

    private static AccessNeed Route(string verb, string ns, FindingStatus ifDenied, string why) =>
        new(ApisixRouteConventions.Group, ApisixRouteConventions.Plural, verb, ns, ifDenied, why);
}
