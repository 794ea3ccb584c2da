using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using Grpc.Core;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;

namespace ApisixPlugin.Integration.Tests.Weights;

/// <summary>Each bad input gets a status code and a message naming what is at fault, and the route stays byte-for-byte as it was.</summary>
[Collection("sidecar")]
public sealed class BadInputTests(SidecarClusterFixture fx)
{
    public static TheoryData<string, string, int, string, StatusCode, string> Cases => new()
    {
        // case, plugin config, desired weight, additional "svc=weight,...", expected code, expected text in the message
        { "unknown route", """{"route":{"name":"no-such-route"}}""", 20, "", StatusCode.FailedPrecondition, "no-such-route" },
        { "unknown rule", $$$"""{"route":{"name":"{{{Route}}}","rules":["nope"]}}""", 20, "", StatusCode.FailedPrecondition, "no rule named 'nope'" },
        { "weight below 0", $$$"""{"route":{"name":"{{{Route}}}"}}""", -1, "", StatusCode.InvalidArgument, "desired weight -1" },
        { "weight above 100", $$$"""{"route":{"name":"{{{Route}}}"}}""", 101, "", StatusCode.InvalidArgument, "desired weight 101" },
        { "additional overflow", $$$"""{"route":{"name":"{{{Route}}}"}}""", 80, "exp=30", StatusCode.InvalidArgument, "overflow" },
        { "empty additional service", $$$"""{"route":{"name":"{{{Route}}}"}}""", 20, "=10", StatusCode.InvalidArgument, "serviceName is empty" },
        { "malformed config", """{"route":""", 20, "", StatusCode.InvalidArgument, "not valid JSON" },
        { "unknown config field", $$$"""{"route":{"name":"{{{Route}}}","rulez":["x"]}}""", 20, "", StatusCode.InvalidArgument, "'rulez'" },
        { "unknown top-level field", $$$"""{"route":{"name":"{{{Route}}}"},"weights":1}""", 20, "", StatusCode.InvalidArgument, "'weights'" },
        { "empty config", "", 20, "", StatusCode.InvalidArgument, "no configuration" },
        { "first route fine, second unknown", $$$"""{"routes":[{"name":"{{{Route}}}"},{"name":"missing"}]}""", 20, "", StatusCode.FailedPrecondition, "missing" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_named_and_changes_nothing(string name, string config, int weight, string additional, StatusCode code, string expected)
    {
        var ns = await fx.PluginNamespaceAsync("bad");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var before = (await fx.ApisixRoutes.GetAsync(ns, Route)).ToJsonString();
        var request = new SetWeightRequest { Rollout = Rollout(ns, config), DesiredWeight = weight };
        foreach (var pair in additional.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=');
            request.AdditionalDestinations.Add(new WeightDestination { ServiceName = parts[0], Weight = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) });
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => fx.Sidecar.Client.SetWeightAsync(request).ResponseAsync);

        Assert.True(code == error.StatusCode, $"{name}: {error.StatusCode} {error.Status.Detail}");
        Assert.Contains(expected, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, (await fx.ApisixRoutes.GetAsync(ns, Route)).ToJsonString());
        // The operator's log names whose step failed, and why.
        var line = await fx.Sidecar.WaitForLineAsync($"Rollout {ns}/{request.Rollout.Name}: SetWeight failed with {code}: ");
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("canary")]
    [InlineData("stable")]
    public async Task A_missing_backend_is_FailedPrecondition_naming_route_rule_and_service(string missing)
    {
        var ns = await fx.PluginNamespaceAsync("nobackend");
        var route = ApisixRoute();
        var backends = route["spec"]!["http"]![0]!["backends"]!.AsArray();
        backends.RemoveAt(missing == "stable" ? 0 : 1);
        backends.Add(new JsonObject { ["serviceName"] = "other", ["servicePort"] = 80 });
        await fx.ApisixRoutes.CreateAsync(ns, route);
        var before = (await fx.ApisixRoutes.GetAsync(ns, Route)).ToJsonString();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            fx.Sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = Rollout(ns), DesiredWeight = 20 }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"{ns}/{Route} rule '{Rule}'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(missing == "stable" ? Stable : Canary, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, (await fx.ApisixRoutes.GetAsync(ns, Route)).ToJsonString());
    }

    [Fact]
    public async Task An_empty_canary_service_is_InvalidArgument()
    {
        var ns = await fx.PluginNamespaceAsync("nocanary");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var rollout = Rollout(ns);
        rollout.CanaryService = "";

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            fx.Sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 20 }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("canaryService is empty", error.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>
    /// The 1.x CRD stores two rules of one name; the 2.x CRD keys spec.http by name and refuses
    /// them. Either way no call may weigh one of them and report the route verified.
    /// </summary>
    [Fact]
    public async Task Two_rules_of_one_name_are_refused_by_the_2x_CRD_or_named_by_the_plugin()
    {
        var ns = await fx.PluginNamespaceAsync("duprule");
        var route = ApisixRoute();
        route["spec"]!["http"]!.AsArray().Add(RuleJson(Rule, "/again/*"));
        try
        {
            await fx.ApisixRoutes.CreateAsync(ns, route);
        }
        catch (k8s.Autorest.HttpOperationException e)
        {
            Assert.Equal(ApisixPlugin.Testing.Crds.ApisixCrdRelease.Controller2x, fx.Crd.Release);
            Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
            return;
        }

        var before = (await fx.ApisixRoutes.GetAsync(ns, Route)).ToJsonString();
        var set = await Assert.ThrowsAsync<RpcException>(() =>
            fx.Sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = Rollout(ns), DesiredWeight = 20 }).ResponseAsync);
        var verify = await Assert.ThrowsAsync<RpcException>(() =>
            fx.Sidecar.Client.VerifyWeightAsync(new VerifyWeightRequest { Rollout = Rollout(ns), DesiredWeight = 0 }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, set.StatusCode);
        Assert.Contains($"more than one rule in spec.http is named '{Rule}'", set.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, verify.StatusCode);
        Assert.Equal(before, (await fx.ApisixRoutes.GetAsync(ns, Route)).ToJsonString());
    }

    /// <summary>The CRD's servicePort is an unbounded integer; a mirror host needs a real port, and this used to be an internal error.</summary>
    [Fact]
    public async Task A_canary_servicePort_out_of_range_fails_a_mirror_step_naming_it_and_creates_nothing()
    {
        var ns = await fx.PluginNamespaceAsync("badport");
        var route = ApisixRoute();
        route["spec"]!["http"]![0]!["backends"]![1]!["servicePort"] = 99999999999;
        await fx.ApisixRoutes.CreateAsync(ns, route);
        var rollout = Rollout(ns, $$$"""{"route":{"name":"{{{Route}}}","rules":["{{{Rule}}}"]}}""", "mirror-route");
        var step = new SetMirrorRoute { Name = "mirror-route", Percentage = 50 };
        step.Match.Add(new RouteMatch { Path = new StringMatch { Prefix = "/" } });

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            fx.Sidecar.Client.SetMirrorRouteAsync(new SetMirrorRouteRequest { Rollout = rollout, MirrorRoute = step }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"{ns}/{Route} rule '{Rule}': the canary backend's servicePort is 99999999999", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal([Route], (await ManagedRoutes.ManagedRouteScenario.SnapshotAsync(fx, ns)).Keys);
    }
}
