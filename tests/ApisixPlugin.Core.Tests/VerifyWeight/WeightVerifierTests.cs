using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Tests.Support;
using ApisixPlugin.Core.Weights;
using static ApisixPlugin.Core.Tests.Support.TestRoutes;

namespace ApisixPlugin.Core.Tests.VerifyWeight;

/// <summary>
/// VerifyWeight: the weights must be the desired split, and where the ingress controller writes
/// status it must have accepted the route (2.x: for the current generation).
/// </summary>
public sealed class WeightVerifierTests
{
    /// <summary>The guide's route at 80/20 in generation 3 (see <see cref="TestRoutes.Route"/>).</summary>
    private static ApisixRouteSnapshot At20(string status = "") =>
        Guide(80, 20, rest: status.Length == 0 ? "" : $$""","status":{"conditions":[{{status}}]}""");

    private static Verification Verify(ApisixRouteSnapshot route, SetWeightCall call) =>
        WeightVerifier.Verify(route, call.TargetFor(route), call.Split());

    [Fact]
    public void The_desired_weights_without_status_are_verified()
    {
        var result = Verify(At20(), Call(20));

        Assert.True(result.Verified, result.Detail);
    }

    [Theory]
    [InlineData(30, "'rollout-apisix-canary-canary' has weight 20, want 30")]
    [InlineData(0, "'rollout-apisix-canary-stable' has weight 80, want 100")]
    public void Other_weights_are_not_verified_and_the_difference_is_named(int desired, string difference)
    {
        var result = Verify(At20(), Call(desired));

        Assert.False(result.Verified);
        Assert.Contains($"route {Key} rule '{Rule}'", result.Detail, StringComparison.Ordinal);
        Assert.Contains(difference, result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Omitted_weights_count_as_100()
    {
        var route = Route([HttpRule(Rule, Backend(Stable), Backend(Canary))]);

        Assert.True(Verify(route, Call(100, max: 200)).Verified);
        Assert.False(Verify(route, Call(50)).Verified);
    }

    [Fact]
    public void A_missing_experiment_backend_is_not_verified()
    {
        var result = Verify(Guide(70, 20), Call(20, additional: [("exp-a", 10)]));

        Assert.False(result.Verified);
        Assert.Contains("'exp-a' is missing (want weight 10)", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_experiment_backend_still_present_after_its_step_is_not_verified()
    {
        var (_, withExperiment) = Call(20, additional: [("exp-a", 10)]).Run(Guide(80, 20));
        var stale = new ApisixRouteSnapshot(JsonText.Parse(withExperiment.Json.GetRawText()
            .Replace("\"weight\":70", "\"weight\":80", StringComparison.Ordinal)));

        var result = Verify(stale, Call(20));

        Assert.False(result.Verified);
        Assert.Contains("experiment backend 'exp-a' is still present", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_configured_rule_must_carry_the_split()
    {
        var route = Route([HttpRule("web", Backend(Stable, 80), Backend(Canary, 20)), HttpRule("api", Backend(Stable, 100), Backend(Canary, 0))]);

        var result = Verify(route, Call(20, Config("web", "api")));

        Assert.False(result.Verified);
        Assert.Contains("rule 'api'", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_route_that_lost_its_rule_is_a_precondition_failure_not_a_verdict()
    {
        var e = Assert.Throws<RouterException>(() => Verify(At20(), Call(20, Config("gone"))));

        Assert.Equal(RouterErrorKind.FailedPrecondition, e.Kind);
    }

    [Fact]
    public void Accepted_true_for_the_current_generation_is_verified()
    {
        var result = Verify(At20("""{"type":"Accepted","status":"True","reason":"Accepted","observedGeneration":3}"""), Call(20));

        Assert.True(result.Verified, result.Detail);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Accepted_true_for_another_generation_is_not_verified(int observed)
    {
        var result = Verify(At20($$"""{"type":"Accepted","status":"True","reason":"Accepted","observedGeneration":{{observed}}}"""), Call(20));

        Assert.False(result.Verified);
        Assert.Contains($"accepted generation {observed}, not yet the current 3", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Accepted_true_without_observed_generation_is_not_verified()
    {
        var result = Verify(At20("""{"type":"Accepted","status":"True","reason":"Accepted"}"""), Call(20));

        Assert.False(result.Verified);
    }

    [Theory]
    [InlineData("False", "InvalidSpec", "duplicate backend")]
    [InlineData("False", "SyncFailed", "apisix admin api unreachable")]
    [InlineData("Unknown", "Pending", "")]
    public void Accepted_not_true_is_not_verified_and_the_reason_is_named(string status, string reason, string message)
    {
        var result = Verify(At20($$"""{"type":"Accepted","status":"{{status}}","reason":"{{reason}}","message":"{{message}}","observedGeneration":3}"""), Call(20));

        Assert.False(result.Verified);
        Assert.Contains($"condition Accepted is {status} ({reason}: {message})", result.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    public void ResourcesAvailable_true_is_verified_even_with_a_stale_generation(int observed)
    {
        // 1.x rewrites its status only when True/False flips: a stale generation is normal there.
        var result = Verify(At20($$"""{"type":"ResourcesAvailable","status":"True","reason":"ResourcesSynced","observedGeneration":{{observed}}}"""), Call(20));

        Assert.True(result.Verified, result.Detail);
    }

    [Fact]
    public void ResourcesAvailable_false_is_not_verified()
    {
        var result = Verify(At20("""{"type":"ResourcesAvailable","status":"False","reason":"ResourceSyncAborted","message":"upstream not found","observedGeneration":3}"""), Call(20));

        Assert.False(result.Verified);
        Assert.Contains("condition ResourcesAvailable is False (ResourceSyncAborted: upstream not found)", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_weights_are_reported_before_the_status()
    {
        var result = Verify(At20("""{"type":"Accepted","status":"False","reason":"InvalidSpec","observedGeneration":3}"""), Call(40));

        Assert.False(result.Verified);
        Assert.Contains("want 40", result.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("""{"type":"Ready","status":"False"}""")]
    public void Status_without_a_known_condition_leaves_the_weights_as_evidence(string conditions)
    {
        var route = Guide(80, 20, rest: $$""","status":{"conditions":[{{conditions}}]}""");

        Assert.True(Verify(route, Call(20)).Verified);
        Assert.True(Verify(Guide(80, 20, rest: ""","status":{}"""), Call(20)).Verified);
    }
}
