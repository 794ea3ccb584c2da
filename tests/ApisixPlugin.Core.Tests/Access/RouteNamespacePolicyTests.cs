using ApisixPlugin.Core.Access;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Tests.Support;
using static ApisixPlugin.Core.Tests.Support.TestRoutes;

namespace ApisixPlugin.Core.Tests.Access;

/// <summary>
/// A Rollout in team-a names a route in team-b: used only when the route consents and the
/// operator's allowlist (when set) includes team-b; otherwise PermissionDenied that names the
/// Rollout, the route and the missing consent, and nothing of the route's rules or backends.
/// </summary>
public sealed class RouteNamespacePolicyTests
{
    private static readonly RouteTarget Payments = new("team-b", "payments", ["payments"]);

    private static Rollouts.RolloutContext TeamA() =>
        SetWeightCall.DemoRollout(Config(Rule)) with { Namespace = "team-a" };

    private static ApisixRouteSnapshot PaymentsRoute(string? allowFrom)
    {
        var annotations = allowFrom is null
            ? ""
            : $",\"annotations\":{{\"{ApisixRouteConventions.AllowRolloutsFromAnnotation}\":\"{allowFrom}\"}}";
        return ApisixRouteSnapshot.Parse(
            "{\"metadata\":{\"name\":\"payments\",\"namespace\":\"team-b\",\"resourceVersion\":\"7\"" + annotations + "},"
            + "\"spec\":{\"http\":[{\"name\":\"secret-rule\",\"backends\":[{\"serviceName\":\"secret-backend\",\"servicePort\":80}]}]}}");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("team-c")]
    [InlineData("team-a-staging, team")]
    public void A_route_in_another_namespace_without_consent_is_PermissionDenied_and_names_nothing_inside_it(string? allowFrom)
    {
        var e = Assert.Throws<RouterException>(() => RouteNamespacePolicy.ConsentOnly.RequireConsent(TeamA(), Payments, PaymentsRoute(allowFrom)));

        Assert.Equal(RouterErrorKind.PermissionDenied, e.Kind);
        Assert.Contains("rollout team-a/rollouts-demo", e.Message, StringComparison.Ordinal);
        Assert.Contains("route team-b/payments", e.Message, StringComparison.Ordinal);
        Assert.Contains(ApisixRouteConventions.AllowRolloutsFromAnnotation, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_route_in_another_namespace_gets_the_same_answer_as_one_without_consent()
    {
        var missing = Assert.Throws<RouterException>(() => RouteNamespacePolicy.ConsentOnly.RequireConsent(TeamA(), Payments, null));
        var refused = Assert.Throws<RouterException>(() => RouteNamespacePolicy.ConsentOnly.RequireConsent(TeamA(), Payments, PaymentsRoute(null)));

        Assert.Equal(refused.Kind, missing.Kind);
        Assert.Equal(refused.Message, missing.Message);
    }

    [Theory]
    [InlineData("team-a")]
    [InlineData("team-x, team-a")]
    [InlineData("team-x,team-a,team-y")]
    [InlineData("*")]
    public void A_route_that_names_the_Rollouts_namespace_or_star_consents(string allowFrom)
    {
        var route = PaymentsRoute(allowFrom);

        Assert.Same(route, RouteNamespacePolicy.ConsentOnly.RequireConsent(TeamA(), Payments, route));
    }

    [Fact]
    public void A_route_in_the_Rollouts_own_namespace_needs_no_consent()
    {
        var own = Payments with { Namespace = "team-a" };

        Assert.Null(RouteNamespacePolicy.AllowingTargetsIn(["team-z"]).RequireConsent(TeamA(), own, null));
        RouteNamespacePolicy.AllowingTargetsIn(["team-z"]).RequireAllowed(TeamA(), own);
    }

    [Fact]
    public void The_operators_allowlist_refuses_a_consenting_route_outside_it_before_any_read()
    {
        var policy = RouteNamespacePolicy.AllowingTargetsIn(["team-c"]);

        var early = Assert.Throws<RouterException>(() => policy.RequireAllowed(TeamA(), Payments));
        var late = Assert.Throws<RouterException>(() => policy.RequireConsent(TeamA(), Payments, PaymentsRoute("*")));

        Assert.Equal(RouterErrorKind.PermissionDenied, early.Kind);
        Assert.Contains("--route-namespaces", early.Message, StringComparison.Ordinal);
        Assert.Contains("team-b/payments", early.Message, StringComparison.Ordinal);
        Assert.Equal(early.Message, late.Message);
    }

    [Fact]
    public void The_operators_allowlist_still_needs_the_routes_consent()
    {
        var policy = RouteNamespacePolicy.AllowingTargetsIn(["team-b"]);

        Assert.Throws<RouterException>(() => policy.RequireConsent(TeamA(), Payments, PaymentsRoute(null)));
        Assert.NotNull(policy.RequireConsent(TeamA(), Payments, PaymentsRoute("team-a")));
    }
}
