using ApisixPlugin.Core.Errors;
using ApisixPlugin.Routing.Tests.Support;
using static ApisixPlugin.Routing.Tests.Support.RouterOnMemory;

namespace ApisixPlugin.Routing.Tests;

/// <summary>
/// All or nothing where it can be, and the truth where it cannot: every route is read and planned
/// before any is written, so bad input anywhere writes nothing; a write that fails after another
/// route was written leaves that one written, fails the call, and the next call converges.
/// </summary>
public sealed class PartialWriteTests
{
    private const string TwoRoutes = """{"routes":[{"name":"first"},{"name":"second"}]}""";

    [Fact]
    public async Task A_failed_second_write_leaves_the_first_route_written_fails_the_call_and_the_next_call_converges()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("first");
        router.SeedRoute("second");
        router.Faults.Fault = (verb, n, patch) => verb == "patch" && n == 2
            ? new RouterException(RouterErrorKind.Unavailable, $"route {patch!.Key}: the API server could not patch it now (injected)")
            : null;
        var rollout = Rollout(TwoRoutes);

        var error = await Assert.ThrowsAsync<RouterException>(() => router.SetWeight.RunAsync(rollout, 30, [], CancellationToken.None));

        Assert.Equal(RouterErrorKind.Unavailable, error.Kind);
        Assert.Contains("route shop/second", error.Message, StringComparison.Ordinal);
        Assert.Equal(30, router.CanaryWeight("first"));
        Assert.Null(router.CanaryWeight("second"));

        Assert.Equal(1, await router.SetWeight.RunAsync(rollout, 30, [], CancellationToken.None));
        Assert.Equal(30, router.CanaryWeight("second"));
        Assert.True((await router.VerifyWeight.RunAsync(rollout, 30, [], CancellationToken.None)).Verified);
    }

    [Fact]
    public async Task A_second_route_that_is_missing_stops_the_call_before_the_first_is_written()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("first");

        var error = await Assert.ThrowsAsync<RouterException>(() => router.SetWeight.RunAsync(Rollout(TwoRoutes), 30, [], CancellationToken.None));

        Assert.Equal(RouterErrorKind.FailedPrecondition, error.Kind);
        Assert.Contains("shop/second", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, router.Faults.Patches);
        Assert.Null(router.CanaryWeight("first"));
    }

    [Fact]
    public async Task A_header_step_whose_second_source_lacks_the_canary_creates_nothing()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("first");
        router.Memory.Seed(System.Text.Json.JsonDocument.Parse("""
            {"metadata": {"name": "second", "namespace": "shop"},
             "spec": {"http": [{"name": "second", "match": {"paths": ["/*"]}, "backends": [{"serviceName": "shop-stable", "servicePort": 80}]}]}}
            """).RootElement);
        var step = new Core.Rollouts.HeaderRouteStep("set-header", [new("trace", new("debug"))]);

        var error = await Assert.ThrowsAsync<RouterException>(() =>
            router.SetHeaderRoute.RunAsync(Rollout(TwoRoutes, "set-header"), step, CancellationToken.None));

        Assert.Equal(RouterErrorKind.FailedPrecondition, error.Kind);
        Assert.Contains("shop-canary", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, router.Faults.Creates);
        Assert.Equal(2, router.Memory.All().Count);
    }
}
