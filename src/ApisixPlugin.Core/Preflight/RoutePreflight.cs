using System.Text.Json;
using ApisixPlugin.Core.Access;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Preflight;

/// <summary>
/// The checks over what was read for one Rollout: its plugin block, each route it names, each
/// managed route name. They ask the same code the sidecar's calls ask (the parser, the namespace
/// policy, the route's own requirements), so a FAIL here carries the message the call would fail
/// with, and a PASS means that part of the call would get through.
/// </summary>
public static class RoutePreflight
{
    /// <summary>The plugin block, parsed as the sidecar parses it; null with a FAIL when it does not parse.</summary>
    public static (PluginConfiguration? Config, PreflightFinding Finding) ParseConfiguration(RolloutContext rollout)
    {
        var subject = $"plugins.{rollout.PluginName}";
        try
        {
            var config = PluginConfigurationParser.Parse(rollout.PluginName, rollout.PluginConfigJson, rollout.Namespace);
            var routes = string.Join("; ", config.Routes.Select(r => $"{r.Key} (rules {string.Join(", ", r.Rules.Select(n => $"'{n}'"))})"));
            return (config, PreflightFinding.Pass(PreflightCheck.PluginConfig, subject, $"{subject} parses: {routes}"));
        }
        catch (RouterException e)
        {
            return (null, PreflightFinding.Fail(PreflightCheck.PluginConfig, subject, e.Message));
        }
    }

    /// <summary>Whether the sidecar would read <paramref name="route"/> for this Rollout at all: its own namespace's, or one that consents.</summary>
    public static PreflightFinding? CheckConsent(RolloutContext rollout, RouteTarget target, ApisixRouteSnapshot? route, RouteNamespacePolicy policy)
    {
        if (target.Namespace == rollout.Namespace)
        {
            return null;
        }

        try
        {
            policy.RequireConsent(rollout, target, route);
            return PreflightFinding.Pass(PreflightCheck.Consent, target.Key,
                $"route {target.Key} allows Rollouts from namespace '{rollout.Namespace}' ({ApisixRouteConventions.AllowRolloutsFromAnnotation}: \"{route?.Annotation(ApisixRouteConventions.AllowRolloutsFromAnnotation)}\")");
        }
        catch (RouterException e)
        {
            return PreflightFinding.Fail(PreflightCheck.Consent, target.Key, e.Message);
        }
    }

    /// <summary>
    /// One route the sidecar may read (its consent already checked): it exists, its ingress class
    /// and status, and each configured rule with the Rollout's two services in it.
    /// <paramref name="ingressClass"/>, when given, is the class every route must name.
    /// </summary>
    public static IReadOnlyList<PreflightFinding> CheckRoute(RolloutContext rollout, RouteTarget target, ApisixRouteSnapshot? route, string? ingressClass)
    {
        if (route is null)
        {
            return [PreflightFinding.Fail(PreflightCheck.Route, target.Key, $"route {target.Key}: no ApisixRoute named '{target.Name}' in namespace '{target.Namespace}'")];
        }

        var findings = new List<PreflightFinding>
        {
            PreflightFinding.Pass(PreflightCheck.Route, target.Key, $"route {target.Key} exists"),
            CheckIngressClass(route, ingressClass),
            CheckStatus(route),
        };
        var index = route.IndexRules();
        foreach (var ruleName in target.Rules)
        {
            findings.AddRange(CheckRule(rollout, route, ruleName, index));
        }

        return findings;
    }

    private static List<PreflightFinding> CheckRule(RolloutContext rollout, ApisixRouteSnapshot route, string ruleName, ApisixRouteSnapshot.RuleIndex index)
    {
        var subject = $"{route.Key} rule '{ruleName}'";
        RouteRule rule;
        try
        {
            rule = route.RequireRuleShape(ruleName, index);
        }
        catch (RouterException e)
        {
            return [PreflightFinding.Fail(PreflightCheck.Rule, subject, e.Message)];
        }

        var findings = new List<PreflightFinding> { PreflightFinding.Pass(PreflightCheck.Rule, subject, $"route {route.Key}: rule '{ruleName}' is spec.http[{rule.Index}], with {rule.Backends.Length} backend(s)") };
        try
        {
            route.RequireDistinctServices(rule);
            findings.Add(PreflightFinding.Pass(PreflightCheck.DuplicateService, subject, $"route {route.Key} rule '{ruleName}': no service is listed twice"));
        }
        catch (RouterException e)
        {
            findings.Add(PreflightFinding.Fail(PreflightCheck.DuplicateService, subject, e.Message));
        }

        var (canary, stable) = rollout.EffectiveServices();
        findings.Add(CheckBackend(route, rule, subject, canary, "canary", "canaryService"));
        findings.Add(CheckBackend(route, rule, subject, stable, "stable", "stableService"));
        return findings;
    }

    private static PreflightFinding CheckBackend(ApisixRouteSnapshot route, RouteRule rule, string subject, string service, string role, string field)
    {
        if (string.IsNullOrEmpty(service))
        {
            return PreflightFinding.Fail(PreflightCheck.Backend, subject,
                $"route {route.Key} rule '{rule.Name}': the Rollout has no {role} service (spec.strategy.canary.{field}, or pingPong) to weigh");
        }

        try
        {
            var backend = route.RequireBackend(rule, service, role);
            return PreflightFinding.Pass(PreflightCheck.Backend, subject,
                $"route {route.Key} rule '{rule.Name}': the {role} service '{service}' is backends[{backend.Index}]");
        }
        catch (RouterException e)
        {
            return PreflightFinding.Fail(PreflightCheck.Backend, subject, e.Message);
        }
    }

    private static PreflightFinding CheckIngressClass(ApisixRouteSnapshot route, string? required)
    {
        var actual = route.Json.TryGetProperty("spec", out var spec) && spec.ValueKind == JsonValueKind.Object
            && spec.TryGetProperty("ingressClassName", out var c) && c.ValueKind == JsonValueKind.String && c.GetString() is { Length: > 0 } name
                ? name
                : null;
        var shown = actual is null ? "not set" : $"'{actual}'";
        if (required is not null && actual != required)
        {
            return PreflightFinding.Fail(PreflightCheck.IngressClass, route.Key,
                $"route {route.Key}: spec.ingressClassName is {shown}, not '{required}' (--ingress-class): the ingress controller of that class does not serve it");
        }

        return PreflightFinding.Pass(PreflightCheck.IngressClass, route.Key, actual is null
            ? $"route {route.Key}: spec.ingressClassName is not set (served by an ingress controller that takes routes without a class)"
            : $"route {route.Key}: spec.ingressClassName is '{actual}'");
    }

    /// <summary>
    /// The ingress controller's verdict. False fails: APISIX is not serving the route as it is. A
    /// stale Accepted (2.x) or no condition at all only warns: the controller may not have caught up,
    /// or may not write status; VerifyWeight then relies on the weights alone (WeightVerifier).
    /// </summary>
    private static PreflightFinding CheckStatus(ApisixRouteSnapshot route)
    {
        if (IngressCondition.Read(route) is not { } condition)
        {
            return PreflightFinding.Warn(PreflightCheck.RouteStatus, route.Key,
                $"route {route.Key}: status has no {IngressCondition.Accepted} (2.x) or {IngressCondition.ResourcesAvailable} (1.x) condition: no ingress controller has reported on it (status writes off, another class, or none running)");
        }

        if (!condition.IsTrue)
        {
            return PreflightFinding.Fail(PreflightCheck.RouteStatus, route.Key, $"route {route.Key}: {condition.Describe()}");
        }

        if (condition.Type == IngressCondition.Accepted && condition.ObservedGeneration != route.Generation)
        {
            return PreflightFinding.Warn(PreflightCheck.RouteStatus, route.Key,
                $"route {route.Key}: the ingress controller has accepted generation {condition.ObservedGeneration}, not yet the current {route.Generation}");
        }

        return PreflightFinding.Pass(PreflightCheck.RouteStatus, route.Key, $"route {route.Key}: condition {condition.Type} is True");
    }

    /// <summary>
    /// A managedRoutes name in one namespace of the Rollout's routes: free, or a route this Rollout
    /// owns (by uid). Any other route of that name makes the header or mirror step fail, and the
    /// sidecar leaves it untouched.
    /// </summary>
    public static PreflightFinding CheckManagedRoute(RolloutContext rollout, string ns, string name, ApisixRouteSnapshot? existing)
    {
        var key = $"{ns}/{name}";
        if (string.IsNullOrWhiteSpace(name))
        {
            return PreflightFinding.Fail(PreflightCheck.ManagedRoute, key,
                $"rollout {rollout.Key}: spec.strategy.canary.trafficRouting.managedRoutes has an entry without a name");
        }

        if (existing is null)
        {
            return PreflightFinding.Pass(PreflightCheck.ManagedRoute, key, $"managed route {key} is free: a header or mirror step creates it");
        }

        if (ManagedRouteOwnership.IsOwnedBy(existing, rollout))
        {
            return PreflightFinding.Pass(PreflightCheck.ManagedRoute, key, $"managed route {key} exists and is owned by rollout {rollout.Key}");
        }

        var owner = existing.Annotation(ApisixRouteConventions.OwnerAnnotation);
        return PreflightFinding.Fail(PreflightCheck.ManagedRoute, key,
            $"managed route name '{name}': ApisixRoute {key} already exists and is not owned by rollout {rollout.Key} " +
            (owner is null ? "(it has no owner annotation)" : $"({ApisixRouteConventions.OwnerAnnotation}: \"{owner}\")") +
            "; a setHeaderRoute or setMirrorRoute step of that name would fail. Rename the managed route or delete that ApisixRoute.");
    }
}
