using System.Text.Json.Nodes;
using ApisixPlugin.Core.Access;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Preflight;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Tests.Support;
using static ApisixPlugin.Core.Tests.Support.TestRoutes;

namespace ApisixPlugin.Core.Tests.Preflight;

/// <summary>
/// The preflight's checks over routes already read: each failure the sidecar's calls would hit is
/// a FAIL with the message that names the route, rule, field or value, and a healthy route passes.
/// </summary>
public sealed class RoutePreflightTests
{
    private static readonly RouteTarget Target = new("default", Name, [Rule]);

    private static RolloutContext Rollout(string? config = null, params string[] managed) =>
        SetWeightCall.DemoRollout(config ?? Config(Rule)) with { ManagedRoutes = [.. managed] };

    private static PreflightFinding Only(IEnumerable<PreflightFinding> findings, string check) => Assert.Single(findings, f => f.Check == check);

    private const string Accepted3 = ""","status":{"conditions":[{"type":"Accepted","status":"True","observedGeneration":3}]}""";

    [Fact]
    public void A_healthy_route_passes_every_check_and_names_where_the_services_are()
    {
        var findings = RoutePreflight.CheckRoute(Rollout(), Target, Guide(rest: Accepted3), ingressClass: null);

        Assert.All(findings, f => Assert.Equal(FindingStatus.Pass, f.Status));
        Assert.Equal([PreflightCheck.Route, PreflightCheck.IngressClass, PreflightCheck.RouteStatus, PreflightCheck.Rule,
            PreflightCheck.DuplicateService, PreflightCheck.Backend, PreflightCheck.Backend], findings.Select(f => f.Check));
        Assert.Contains($"the canary service '{Canary}' is backends[1]", findings[5].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_route_fails_naming_it_and_nothing_else_is_checked()
    {
        var finding = Assert.Single(RoutePreflight.CheckRoute(Rollout(), Target, null, null));

        Assert.Equal((FindingStatus.Fail, PreflightCheck.Route), (finding.Status, finding.Check));
        Assert.Equal($"route {Key}: no ApisixRoute named '{Name}' in namespace 'default'", finding.Message);
    }

    [Fact]
    public void A_missing_rule_fails_with_the_rules_the_route_has()
    {
        var findings = RoutePreflight.CheckRoute(Rollout(Config("other")), Target with { Rules = ["other"] }, Guide(), null);

        var rule = Only(findings, PreflightCheck.Rule);
        Assert.Equal(FindingStatus.Fail, rule.Status);
        Assert.Equal($"route {Key}: no rule named 'other' in spec.http (rules: '{Rule}')", rule.Message);
        Assert.DoesNotContain(findings, f => f.Check == PreflightCheck.Backend);
    }

    [Fact]
    public void A_missing_canary_backend_fails_naming_the_rule_and_the_service_and_the_stable_one_still_passes()
    {
        var route = Route([HttpRule(Rule, Backend(Stable))]);

        var backends = RoutePreflight.CheckRoute(Rollout(), Target, route, null).Where(f => f.Check == PreflightCheck.Backend).ToList();

        Assert.Equal([FindingStatus.Fail, FindingStatus.Pass], backends.Select(b => b.Status));
        Assert.Equal($"route {Key} rule '{Rule}': no backend with serviceName '{Canary}' (the Rollout's canary service); backends: '{Stable}'", backends[0].Message);
    }

    [Fact]
    public void A_service_listed_twice_fails_its_own_check_while_the_rule_itself_passes()
    {
        var route = Route([HttpRule(Rule, Backend(Stable), Backend(Canary), Backend(Stable, port: "8080"))]);

        var findings = RoutePreflight.CheckRoute(Rollout(), Target, route, null);

        Assert.Equal(FindingStatus.Pass, Only(findings, PreflightCheck.Rule).Status);
        var duplicate = Only(findings, PreflightCheck.DuplicateService);
        Assert.Equal(FindingStatus.Fail, duplicate.Status);
        Assert.Equal($"route {Key} rule '{Rule}': backends list service '{Stable}' more than once (APISIX rejects it)", duplicate.Message);
    }

    [Fact]
    public void The_sidecar_still_refuses_a_repeated_service_as_before_the_check_split_its_requirement()
    {
        var route = Route([HttpRule(Rule, Backend(Stable), Backend(Stable))]);

        var e = Assert.Throws<Errors.RouterException>(() => route.RequireRule(Rule));

        Assert.Contains($"backends list service '{Stable}' more than once", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rollout_without_a_canary_service_fails_naming_the_field()
    {
        var rollout = Rollout() with { CanaryService = "" };

        var backend = RoutePreflight.CheckRoute(rollout, Target, Guide(), null).First(f => f.Check == PreflightCheck.Backend);

        Assert.Equal(FindingStatus.Fail, backend.Status);
        Assert.Contains("spec.strategy.canary.canaryService", backend.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "no Accepted (2.x) or ResourcesAvailable (1.x) condition", FindingStatus.Warn)]
    [InlineData(""","status":{"conditions":[{"type":"Accepted","status":"False","reason":"SyncFailed","message":"bad plugin"}]}""",
        "condition Accepted is False (SyncFailed: bad plugin)", FindingStatus.Fail)]
    [InlineData(""","status":{"conditions":[{"type":"ResourcesAvailable","status":"False","reason":"ResourceSyncAborted","message":"upstream not found"}]}""",
        "condition ResourcesAvailable is False (ResourceSyncAborted: upstream not found)", FindingStatus.Fail)]
    [InlineData(""","status":{"conditions":[{"type":"Accepted","status":"True","observedGeneration":2}]}""",
        "has accepted generation 2, not yet the current 3", FindingStatus.Warn)]
    [InlineData(""","status":{"conditions":[{"type":"ResourcesAvailable","status":"True","observedGeneration":1}]}""",
        "condition ResourcesAvailable is True", FindingStatus.Pass)]
    public void The_route_status_is_the_ingress_controllers_condition(string status, string message, FindingStatus expected)
    {
        var finding = Only(RoutePreflight.CheckRoute(Rollout(), Target, Guide(rest: status), null), PreflightCheck.RouteStatus);

        Assert.Equal(expected, finding.Status);
        Assert.Contains(message, finding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null, FindingStatus.Pass, "spec.ingressClassName is not set")]
    [InlineData("apisix", null, FindingStatus.Pass, "spec.ingressClassName is 'apisix'")]
    [InlineData("apisix", "apisix", FindingStatus.Pass, "spec.ingressClassName is 'apisix'")]
    [InlineData("other", "apisix", FindingStatus.Fail, "spec.ingressClassName is 'other', not 'apisix' (--ingress-class)")]
    [InlineData(null, "apisix", FindingStatus.Fail, "spec.ingressClassName is not set, not 'apisix' (--ingress-class)")]
    public void The_ingress_class_is_reported_and_required_only_when_asked(string? actual, string? required, FindingStatus expected, string message)
    {
        var json = JsonNode.Parse(Guide().Json.GetRawText())!;
        if (actual is not null)
        {
            json["spec"]!["ingressClassName"] = actual;
        }

        var route = ApisixRouteSnapshot.Parse(json.ToJsonString());

        var finding = Only(RoutePreflight.CheckRoute(Rollout(), Target, route, required), PreflightCheck.IngressClass);

        Assert.Equal(expected, finding.Status);
        Assert.Contains(message, finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_plugin_block_fails_with_the_parsers_own_message()
    {
        var (config, finding) = RoutePreflight.ParseConfiguration(Rollout("""{"route":{"name":"r","rulez":["x"]}}"""));

        Assert.Null(config);
        Assert.Equal((FindingStatus.Fail, PreflightCheck.PluginConfig), (finding.Status, finding.Check));
        Assert.Equal($"plugins.{SetWeightCall.PluginName}.route: unknown field(s) 'rulez'; known: name, namespace, rules", finding.Message);
    }

    [Fact]
    public void A_route_in_another_namespace_without_consent_fails_with_the_policys_message()
    {
        var rollout = Rollout() with { Namespace = "team-a" };
        var target = new RouteTarget("team-b", "payments", ["payments"]);
        var route = ApisixRouteSnapshot.Parse("""{"metadata":{"name":"payments","namespace":"team-b"},"spec":{"http":[]}}""");

        var finding = RoutePreflight.CheckConsent(rollout, target, route, RouteNamespacePolicy.ConsentOnly)!;

        Assert.Equal((FindingStatus.Fail, PreflightCheck.Consent), (finding.Status, finding.Check));
        Assert.Contains("route team-b/payments is in another namespace and does not allow Rollouts from namespace 'team-a'", finding.Message, StringComparison.Ordinal);
        Assert.Contains(ApisixRouteConventions.AllowRolloutsFromAnnotation, finding.Message, StringComparison.Ordinal);
        Assert.Null(RoutePreflight.CheckConsent(Rollout(), Target, Guide(), RouteNamespacePolicy.ConsentOnly));
    }

    private static ApisixRouteSnapshot ManagedRoute(string owner) => ApisixRouteSnapshot.Parse(
        """{"metadata":{"name":"set-header","namespace":"default","annotations":{""" + $"\"{ApisixRouteConventions.OwnerAnnotation}\":\"{owner}\"" + "}}}");

    [Fact]
    public void A_managed_route_name_is_free_or_owned_by_uid_and_anything_else_fails_naming_its_owner()
    {
        var rollout = Rollout(null, "set-header");
        var owned = ManagedRoute(ManagedRouteOwnership.OwnerValue(rollout));
        var foreign = ManagedRoute("default/other/1234");

        Assert.Equal(FindingStatus.Pass, RoutePreflight.CheckManagedRoute(rollout, "default", "set-header", null).Status);
        Assert.Equal(FindingStatus.Pass, RoutePreflight.CheckManagedRoute(rollout, "default", "set-header", owned).Status);
        var taken = RoutePreflight.CheckManagedRoute(rollout, "default", "set-header", foreign);
        Assert.Equal(FindingStatus.Fail, taken.Status);
        Assert.Contains("ApisixRoute default/set-header already exists and is not owned by rollout default/rollouts-demo", taken.Message, StringComparison.Ordinal);
        Assert.Contains("\"default/other/1234\"", taken.Message, StringComparison.Ordinal);
    }
}
