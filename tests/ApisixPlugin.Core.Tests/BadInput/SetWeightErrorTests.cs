using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Tests.Support;
using static ApisixPlugin.Core.Tests.Support.TestRoutes;

namespace ApisixPlugin.Core.Tests.BadInput;

/// <summary>
/// Wrong call arguments are InvalidArgument; a route that lacks what the configuration names is
/// FailedPrecondition. Each message names the route, rule, field and value at fault.
/// </summary>
public sealed class SetWeightErrorTests
{
    [Theory]
    [InlineData(-1, 100)]
    [InlineData(101, 100)]
    [InlineData(1001, 1000)]
    [InlineData(int.MinValue, 100)]
    public void A_weight_outside_0_to_max_is_invalid(int weight, int max)
    {
        var e = Fails(RouterErrorKind.InvalidArgument, Guide(max, 0), Call(weight, max: max));

        Assert.Contains($"desired weight {weight} is outside 0..{max}", e.Message, StringComparison.Ordinal);
        Assert.Contains("rollout default/rollouts-demo", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-100)]
    public void MaxTrafficWeight_must_be_positive(int max)
    {
        var e = Fails(RouterErrorKind.InvalidArgument, Guide(), Call(0, max: max));

        Assert.Contains($"maxTrafficWeight must be positive, not {max}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Additional_weights_that_overflow_max_are_invalid()
    {
        var e = Fails(RouterErrorKind.InvalidArgument, Guide(), Call(60, additional: [("exp-a", 30), ("exp-b", 20)]));

        Assert.Contains("canary 60 + additional 50 > 100", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Additional_weights_that_overflow_int_are_invalid_not_wrapped()
    {
        var e = Fails(RouterErrorKind.InvalidArgument, Guide(int.MaxValue, 0),
            Call(0, max: int.MaxValue, additional: [("exp-a", int.MaxValue), ("exp-b", int.MaxValue)]));

        Assert.Contains("weights overflow", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    public void An_additional_weight_outside_0_to_max_is_named(int weight)
    {
        var e = Fails(RouterErrorKind.InvalidArgument, Guide(), Call(0, additional: [("exp-a", 10), ("exp-b", weight)]));

        Assert.Contains("additional destination #1 ('exp-b')", e.Message, StringComparison.Ordinal);
        Assert.Contains($"weight {weight} is outside 0..100", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void An_additional_destination_without_a_service_is_invalid(string service)
    {
        var e = Fails(RouterErrorKind.InvalidArgument, Guide(), Call(10, additional: [(service, 10)]));

        Assert.Contains("additional destination #0: serviceName is empty", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Canary)]
    [InlineData(Stable)]
    [InlineData("exp-a")]
    public void A_service_given_twice_is_invalid(string duplicate)
    {
        var e = Fails(RouterErrorKind.InvalidArgument, Guide(), Call(10, additional: [("exp-a", 5), (duplicate, 5)]));

        Assert.Contains($"additional destination #1: service '{duplicate}' is already a destination", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Canary_and_stable_must_differ_and_be_named()
    {
        var same = new SetWeightCall(SetWeightCall.DemoRollout(Config(Rule), canary: Stable, stable: Stable), 10, []);
        var empty = new SetWeightCall(SetWeightCall.DemoRollout(Config(Rule), canary: " ", stable: Stable), 10, []);

        Assert.Contains($"canary and stable service are both '{Stable}'", Fails(RouterErrorKind.InvalidArgument, Guide(), same).Message, StringComparison.Ordinal);
        Assert.Contains("spec.strategy.canary.canaryService is empty", Fails(RouterErrorKind.InvalidArgument, Guide(), empty).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_rule_names_the_route_the_rule_and_the_existing_rules()
    {
        var route = Route([HttpRule("web", Backend(Stable, 100), Backend(Canary, 0)), HttpRule("api", Backend(Stable, 100), Backend(Canary, 0))]);

        var e = Fails(RouterErrorKind.FailedPrecondition, route, Call(10, Config("web", "rollouts-apisx")));

        Assert.Contains($"route {Key}: no rule named 'rollouts-apisx'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'web', 'api'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_route_without_rules_fails_on_the_rule()
    {
        var e = Fails(RouterErrorKind.FailedPrecondition, Route([]), Call(10));

        Assert.Contains($"no rule named '{Rule}'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Canary, "canary")]
    [InlineData(Stable, "stable")]
    public void A_missing_canary_or_stable_backend_names_service_role_rule_and_route(string missing, string role)
    {
        var present = missing == Canary ? Stable : Canary;
        var route = Route([HttpRule(Rule, Backend(present, 100), Backend("legacy", 0))]);

        var e = Fails(RouterErrorKind.FailedPrecondition, route, Call(10));

        Assert.Contains($"route {Key} rule '{Rule}'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"no backend with serviceName '{missing}' (the Rollout's {role} service)", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{present}', 'legacy'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_without_backends_is_named()
    {
        var route = Route([$$"""{"name":"{{Rule}}","match":{"paths":["/*"]},"upstreams":[{"name":"u"}]}"""]);

        var e = Fails(RouterErrorKind.FailedPrecondition, route, Call(10));

        Assert.Contains($"rule '{Rule}': spec.http[0].backends is missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_listed_twice_in_the_route_is_named()
    {
        var route = Route([HttpRule(Rule, Backend(Stable, 50), Backend(Canary, 0), Backend(Stable, 50, "8080"))]);

        var e = Fails(RouterErrorKind.FailedPrecondition, route, Call(10));

        Assert.Contains($"route {Key} rule '{Rule}': backends list service '{Stable}' more than once", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_experiment_service_that_is_someone_elses_backend_is_not_taken_over()
    {
        var route = Route([HttpRule(Rule, Backend(Stable, 90), Backend(Canary, 0), Backend("shared-svc", 10))]);

        var e = Fails(RouterErrorKind.FailedPrecondition, route, Call(10, additional: [("shared-svc", 20)]));

        Assert.Contains($"route {Key} rule '{Rule}': backend 'shared-svc' was not added by this plugin", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[\\\"exp-a\\\"]")]
    [InlineData("{\\\"rollouts-apisix\\\":\\\"exp-a\\\"}")]
    public void A_damaged_added_backends_annotation_is_named(string value)
    {
        var route = Guide(metadataExtra: $$""","annotations":{"{{ApisixRouteConventions.AddedBackendsAnnotation}}":"{{value}}"}""");

        var e = Fails(RouterErrorKind.FailedPrecondition, route, Call(10));

        Assert.Contains($"route {Key}: annotation {ApisixRouteConventions.AddedBackendsAnnotation}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_configured_rules_are_checked()
    {
        var route = Route([HttpRule(Rule, Backend(Stable, 100), Backend(Canary, 0)), HttpRule("broken", Backend("x", 1), Backend("x", 1))]);

        var patch = Call(10).Plan(route);

        Assert.False(patch.IsEmpty);
    }

    /// <summary>
    /// The 2.x CRD types weight as an unbounded integer, so the API server stores 3000000000 for a
    /// backend the plugin does not own. That backend is someone else's: carried through, and never
    /// an unhandled exception (which the gRPC host could only report as an internal error).
    /// </summary>
    [Theory]
    [InlineData("3000000000")]
    [InlineData("2147483647")]
    [InlineData("-5")]
    public void A_foreign_weight_of_any_integer_size_is_carried_through(string weight)
    {
        var foreign = "{\"serviceName\":\"legacy\",\"servicePort\":80,\"weight\":" + weight + "}";
        var route = Route([HttpRule(Rule, Backend(Stable, 100), Backend(Canary, 0), foreign)]);

        var (_, after) = Call(20).Run(route);

        Assert.Equal(foreign, after.FindRule(Rule)!.Backends[2].Json.GetRawText());
        Assert.Equal(20, after.FindRule(Rule)!.Backends[1].Weight);
    }

    /// <summary>Owned weights always sum to maxTrafficWeight, so only a foreign negative weight
    /// (the 2.x CRD has no minimum) can cancel them out; APISIX would then spread traffic evenly.</summary>
    [Fact]
    public void A_rule_whose_weights_would_cancel_out_is_refused()
    {
        var route = Route([HttpRule(Rule, Backend(Stable, 100), Backend(Canary, 0), Backend("legacy", -100))]);

        var e = Fails(RouterErrorKind.InvalidArgument, route, Call(0));

        Assert.Contains($"route {Key} rule '{Rule}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("weight 0", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The 1.x CRD lets two rules share a name; weighing only the first and verifying it would leave the other's traffic where it was.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_configured_rule_name_that_two_rules_carry_is_named(bool severalConfigured)
    {
        var route = Route([HttpRule(Rule, Backend(Stable, 100), Backend(Canary, 0)), HttpRule("other", Backend(Stable, 100), Backend(Canary, 0)), HttpRule(Rule, Backend(Stable, 100), Backend(Canary, 0))]);
        var call = Call(10, severalConfigured ? Config(Rule, "other") : Config(Rule));

        var e = Fails(RouterErrorKind.FailedPrecondition, route, call);
        var verify = Assert.Throws<RouterException>(() => Core.Weights.WeightVerifier.Verify(route, call.TargetFor(route), call.Split()));

        Assert.Contains($"route {Key}: more than one rule in spec.http is named '{Rule}'", e.Message, StringComparison.Ordinal);
        Assert.Equal(e.Message, verify.Message);
    }

    [Fact]
    public void A_rule_name_repeated_outside_the_configured_rules_is_not_the_plugins_business()
    {
        var route = Route([HttpRule(Rule, Backend(Stable, 100), Backend(Canary, 0)), HttpRule("static", Backend("x", 1)), HttpRule("static", Backend("y", 1))]);

        Assert.False(Call(10).Plan(route).IsEmpty);
    }

    /// <summary>Only an API server without the CRD's schema (or simulate's files) lets these through; they used to end in an internal error.</summary>
    [Theory]
    [InlineData("{\"serviceName\":\"legacy\",\"servicePort\":80,\"weight\":\"20\"}", "backends[2] has weight \"20\" (a string); a weight must be a number")]
    [InlineData("\"legacy\"", "backends[2] is \"legacy\" (a string), not an object")]
    [InlineData("[1]", "backends[2] is a list, not an object")]
    [InlineData("{\"servicePort\":80}", "backends[2] has no serviceName")]
    public void A_backend_the_plugin_cannot_read_is_named(string backend, string expected)
    {
        var route = Route([HttpRule(Rule, Backend(Stable, 100), Backend(Canary, 0), backend)]);

        var e = Fails(RouterErrorKind.FailedPrecondition, route, Call(10));

        Assert.Contains($"route {Key} rule '{Rule}': spec.http[0].{expected}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_that_is_not_an_object_does_not_stop_a_route_from_being_read()
    {
        var route = Route([HttpRule(Rule, Backend(Stable, 100), Backend(Canary, 0)), "\"stray\""]);

        Assert.False(Call(10, Config(Rule)).Plan(route).IsEmpty);
        Assert.Equal(2, route.Rules().Length);
    }

    private static RouterException Fails(RouterErrorKind kind, ApisixRouteSnapshot route, SetWeightCall call)
    {
        var e = Assert.Throws<RouterException>(() => call.Plan(route));
        Assert.Equal(kind, e.Kind);
        return e;
    }
}
