using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Routing.Store;
using ApisixPlugin.Routing.Tests.Support;
using ApisixPlugin.Routing.UseCases;
using static ApisixPlugin.Routing.Tests.Support.RouterOnMemory;

namespace ApisixPlugin.Routing.Tests;

/// <summary>
/// A write that meets a concurrent edit is re-read, re-planned and retried, at most
/// <see cref="RouteWrites.MaxAttempts"/> times, then Aborted naming the route. Anything else is
/// not retried: it fails the call at once with its own kind.
/// </summary>
public sealed class RetryTests
{
    private const string Guide = """{"route":{"name":"shop"}}""";

    private static RouteConflictException Conflict(string key) => new(key, $"route {key}: changed since it was read (injected)");

    [Theory]
    [InlineData(1)]
    [InlineData(RouteWrites.MaxAttempts - 1)]
    public async Task Conflicts_are_retried_until_the_write_lands(int conflicts)
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("shop");
        router.Faults.Fault = (verb, n, patch) => verb == "patch" && n <= conflicts ? Conflict(patch!.Key) : null;

        Assert.Equal(1, await router.SetWeight.RunAsync(Rollout(Guide), 40, [], CancellationToken.None));

        Assert.Equal(40, router.CanaryWeight("shop"));
        Assert.Equal(conflicts + 1, router.Faults.Patches);
        // One read for the plan, then one re-read per conflict.
        Assert.Equal(conflicts + 1, router.Faults.Reads);
    }

    [Fact]
    public async Task Conflicts_that_never_stop_end_as_Aborted_naming_the_route()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("shop");
        router.Faults.Fault = (verb, _, patch) => verb == "patch" ? Conflict(patch!.Key) : null;

        var error = await Assert.ThrowsAsync<RouterException>(() => router.SetWeight.RunAsync(Rollout(Guide), 40, [], CancellationToken.None));

        Assert.Equal(RouterErrorKind.Aborted, error.Kind);
        Assert.StartsWith($"route shop/shop: still changing under concurrent edits after {RouteWrites.MaxAttempts} attempts", error.Message, StringComparison.Ordinal);
        Assert.Equal(RouteWrites.MaxAttempts, router.Faults.Patches);
        Assert.Null(router.CanaryWeight("shop"));
    }

    [Theory]
    [InlineData(RouterErrorKind.InvalidArgument)]
    [InlineData(RouterErrorKind.PermissionDenied)]
    [InlineData(RouterErrorKind.Unavailable)]
    public async Task Other_failures_are_not_retried(RouterErrorKind kind)
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("shop");
        router.Faults.Fault = (verb, _, patch) => verb == "patch" ? new RouterException(kind, $"route {patch!.Key}: injected") : null;

        var error = await Assert.ThrowsAsync<RouterException>(() => router.SetWeight.RunAsync(Rollout(Guide), 40, [], CancellationToken.None));

        Assert.Equal(kind, error.Kind);
        Assert.Equal(1, router.Faults.Patches);
    }

    /// <summary>Someone edits the very backends between the plugin's read and its write: the real conflict, not an injected one.</summary>
    [Fact]
    public async Task An_edit_between_read_and_write_is_kept_and_the_split_lands_on_top_of_it()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("shop");
        var edited = false;
        router.Faults.AfterRead = (ns, name) =>
        {
            if (!edited)
            {
                edited = true;
                var route = router.Memory.GetAsync(ns, name, CancellationToken.None).Result!;
                router.Memory.PatchAsync(new Core.Patching.RoutePatch(ns, name,
                    [Core.Patching.PatchOperation.Add("/spec/http/0/backends/-", System.Text.Json.JsonDocument.Parse("""{"serviceName":"legacy","servicePort":80,"weight":5}""").RootElement)]),
                    CancellationToken.None).Wait();
            }
        };

        await router.SetWeight.RunAsync(Rollout(Guide), 40, [], CancellationToken.None);

        var after = (await router.Memory.GetAsync(Namespace, "shop", CancellationToken.None))!.FindRule("shop")!;
        Assert.Equal(["shop-stable", "shop-canary", "legacy"], after.Backends.Select(b => b.ServiceName));
        Assert.Equal(40, router.CanaryWeight("shop"));
        Assert.Equal(2, router.Faults.Patches);
    }

    [Fact]
    public async Task A_managed_route_created_meanwhile_by_the_same_Rollout_is_updated_instead()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("shop");
        var rollout = Rollout(Guide, "set-header");
        var step = new HeaderRouteStep("set-header", [new("trace", new("debug"))]);
        // The first create meets a route of that name (another replica of this step got there first).
        router.Faults.Fault = (verb, n, _) =>
        {
            if (verb == "create" && n == 1)
            {
                router.Faults.Fault = (_, _, _) => null;
                router.SetHeaderRoute.RunAsync(rollout, step with { Matches = [new("trace", new("other"))] }, CancellationToken.None).Wait();
                return new RouteConflictException("shop/set-header", "route shop/set-header: already exists (injected race)");
            }

            return null;
        };

        await router.SetHeaderRoute.RunAsync(rollout, step, CancellationToken.None);

        var managed = (await router.Memory.GetAsync(Namespace, "set-header", CancellationToken.None))!;
        Assert.Contains("\"debug\"", managed.Json.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("\"other\"", managed.Json.GetRawText(), StringComparison.Ordinal);
    }
}
