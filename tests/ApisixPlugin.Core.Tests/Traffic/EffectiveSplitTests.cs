using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Traffic;
using static ApisixPlugin.Core.Tests.Support.TestRoutes;

namespace ApisixPlugin.Core.Tests.Traffic;

/// <summary>
/// The share of requests APISIX gives each backend of a rule, against cases worked out by hand
/// from the ingress controller's translation and traffic-split's round robin.
/// </summary>
public sealed class EffectiveSplitTests
{
    private static readonly ServiceRoles Roles = new(Canary, Stable);

    private static RuleSplit Split(ApisixRouteSnapshot route, KnownServices? services = null, ControllerGeneration generation = ControllerGeneration.V2) =>
        EffectiveSplit.ForRule(route, route.FindRule(Rule)!, Roles, services ?? KnownServices.NotRead, generation);

    private static RuleSplit Split(params string[] backends) => Split(Route([HttpRule(Rule, backends)]));

    private static KnownServices Services(string[] present, string[] absent) => new([.. present], [.. absent]);

    private static decimal[] Percents(RuleSplit split) => [.. split.Backends.Select(b => b.Percent)];

    [Fact]
    public void Weights_20_and_80_give_the_canary_a_fifth()
    {
        var split = Split(Guide(stable: 80, canary: 20));

        Assert.Equal(SplitOutcome.Split, split.Outcome);
        Assert.Equal([80.0m, 20.0m], Percents(split));
        Assert.Equal((20.0m, 80.0m), (split.PercentOf("canary"), split.PercentOf("stable")));
        Assert.Equal($"20.0% canary ({Canary}), 80.0% stable ({Stable})", split.Describe());
        Assert.Empty(split.Notes);
    }

    [Fact]
    public void Weights_are_ratios_1_and_2_are_a_third_and_two_thirds()
    {
        var split = Split(Backend(Stable, 2), Backend(Canary, 1));

        Assert.Equal([66.7m, 33.3m], Percents(split));
    }

    [Fact]
    public void Rounding_is_to_one_decimal_with_halves_away_from_zero()
    {
        // 1/16 = 6.25 % -> 6.3; 15/16 = 93.75 % -> 93.8; 1/6 = 16.67 % -> 16.7.
        Assert.Equal([93.8m, 6.3m], Percents(Split(Backend(Stable, 15), Backend(Canary, 1))));
        Assert.Equal([83.3m, 16.7m], Percents(Split(Backend(Stable, 5), Backend(Canary, 1))));
    }

    [Fact]
    public void An_omitted_weight_is_100_so_omitted_beside_100_is_half_and_half()
    {
        var split = Split(Backend(Stable), Backend(Canary, 100));

        Assert.Equal([50.0m, 50.0m], Percents(split));
        Assert.Equal([100, 100], split.Backends.Select(b => b.Weight));
    }

    [Fact]
    public void The_guides_route_before_any_step_sends_half_the_requests_to_the_canary()
    {
        var split = Split(Backend(Stable), Backend(Canary));

        Assert.Equal(50.0m, split.PercentOf("canary"));
    }

    [Fact]
    public void A_zero_weight_gets_nothing_while_another_is_above_zero()
    {
        var split = Split(Backend(Stable, 100), Backend(Canary, 0), Backend("other-svc", 0));

        Assert.Equal([100.0m, 0.0m, 0.0m], Percents(split));
        Assert.Equal($"0.0% canary ({Canary}), 100.0% stable ({Stable}), 0.0% other-svc", split.Describe());
    }

    [Fact]
    public void All_weights_zero_spread_evenly_over_three_backends()
    {
        var split = Split(Backend(Stable, 0), Backend(Canary, 0), Backend("other-svc", 0));

        Assert.Equal([33.3m, 33.3m, 33.3m], Percents(split));
        Assert.Contains("every weight is 0, so APISIX spreads the requests evenly", split.Notes);
    }

    [Fact]
    public void A_single_backend_takes_every_request_even_at_weight_zero()
    {
        var split = Split(Backend(Stable, 0));

        Assert.Equal([100.0m], Percents(split));
        Assert.Contains(split.Notes, n => n.Contains("weight 0 but is the only backend", StringComparison.Ordinal));
    }

    [Fact]
    public void On_2x_a_missing_canary_service_is_skipped_and_stable_takes_everything()
    {
        var split = Split(Guide(stable: 80, canary: 20), Services([Stable], [Canary]), ControllerGeneration.V2);

        Assert.Equal(SplitOutcome.Split, split.Outcome);
        Assert.Equal((0.0m, 100.0m), (split.PercentOf("canary"), split.PercentOf("stable")));
        Assert.Equal("Service missing: skipped", split.Backends.Single(b => b.ServiceName == Canary).Skipped);
        Assert.Empty(split.Notes);
    }

    [Fact]
    public void On_2x_the_remaining_backends_share_by_their_own_weights()
    {
        var split = Split(Route([HttpRule(Rule, Backend(Stable, 30), Backend(Canary, 20), Backend("other-svc", 10))]),
            Services([Stable, "other-svc"], [Canary]));

        Assert.Equal([75.0m, 0.0m, 25.0m], Percents(split));
    }

    [Fact]
    public void On_1x_a_missing_service_rejects_the_rule_and_the_whole_route()
    {
        var split = Split(Guide(stable: 80, canary: 20), Services([Stable], [Canary]), ControllerGeneration.V1);

        Assert.Equal(SplitOutcome.Rejected, split.Outcome);
        Assert.Null(split.PercentOf("canary"));
        Assert.Contains($"'{Canary}' does not exist", split.Problem, StringComparison.Ordinal);
        Assert.Contains("1.x ingress controller fails the whole route", split.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void With_the_generation_unknown_a_missing_service_shows_2x_and_tells_what_1x_does()
    {
        var split = Split(Guide(stable: 80, canary: 20), Services([Stable], [Canary]), ControllerGeneration.Unknown);

        Assert.Equal(100.0m, split.PercentOf("stable"));
        Assert.Contains(split.Notes, n => n.Contains("a 1.x controller fails the whole route instead", StringComparison.Ordinal));
    }

    [Fact]
    public void A_service_not_known_either_way_counts_as_served()
    {
        var split = Split(Guide(stable: 80, canary: 20), Services([Stable], []), ControllerGeneration.V1);

        Assert.Equal(20.0m, split.PercentOf("canary"));
    }

    [Fact]
    public void On_2x_no_existing_service_leaves_no_backend()
    {
        var split = Split(Guide(stable: 80, canary: 20), Services([], [Stable, Canary]));

        Assert.Equal(SplitOutcome.NoBackend, split.Outcome);
        Assert.Contains("no upstream node", split.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_or_fractional_weight_is_rejected_naming_the_backend()
    {
        var negative = Split(Backend(Stable, 100), Backend(Canary, -1));
        var fraction = Split(Route(["""{"name":"rollouts-apisix","match":{"paths":["/*"]},"backends":[{"serviceName":"a","servicePort":80,"weight":1.5}]}"""]));

        Assert.Equal(SplitOutcome.Rejected, negative.Outcome);
        Assert.Equal("rejected: backends[1] has weight -1; APISIX takes whole weights from 0", negative.Problem);
        Assert.Equal("rejected: backends[0] has weight 1.5; APISIX takes whole weights from 0", fraction.Problem);
    }

    [Fact]
    public void A_service_listed_twice_is_rejected()
    {
        var split = Split(Backend(Stable, 50), Backend(Stable, 50));

        Assert.Equal(SplitOutcome.Rejected, split.Outcome);
        Assert.Contains($"service '{Stable}' is listed twice", split.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void More_backends_than_traffic_split_takes_are_rejected()
    {
        var split = Split([.. Enumerable.Range(0, 21).Select(i => Backend($"svc-{i}", 1))]);
        var twenty = Split([.. Enumerable.Range(0, 20).Select(i => Backend($"svc-{i}", 1))]);

        Assert.Equal(SplitOutcome.Rejected, split.Outcome);
        Assert.Equal(SplitOutcome.Split, twenty.Outcome);
        Assert.All(twenty.Backends, b => Assert.Equal(5.0m, b.Percent));
    }

    [Fact]
    public void A_rule_with_upstreams_is_not_computed()
    {
        var split = Split(Route(["""{"name":"rollouts-apisix","match":{"paths":["/*"]},"backends":[{"serviceName":"a","servicePort":80}],"upstreams":[{"name":"ext","weight":10}]}"""]));

        Assert.Equal(SplitOutcome.NotComputed, split.Outcome);
    }

    [Fact]
    public void The_generation_is_read_from_the_condition_the_controller_writes()
    {
        static ApisixRouteSnapshot WithCondition(string type) =>
            Guide(rest: $$""","status":{"conditions":[{"type":"{{type}}","status":"True","observedGeneration":3}]}""");

        Assert.Equal(ControllerGeneration.V2, ControllerGenerations.FromStatus(WithCondition("Accepted")));
        Assert.Equal(ControllerGeneration.V1, ControllerGenerations.FromStatus(WithCondition("ResourcesAvailable")));
        Assert.Equal(ControllerGeneration.Unknown, ControllerGenerations.FromStatus(Guide()));
    }
}
