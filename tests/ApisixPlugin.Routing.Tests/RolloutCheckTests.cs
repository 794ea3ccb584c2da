using ApisixPlugin.Core.Access;
using ApisixPlugin.Core.Preflight;
using ApisixPlugin.Routing.Preflight;
using ApisixPlugin.Routing.Tests.Support;
using static ApisixPlugin.Routing.Tests.Support.RouterOnMemory;

namespace ApisixPlugin.Routing.Tests;

/// <summary>
/// The preflight's walk over one Rollout: what it reads (and what it leaves unread), in which
/// namespaces it looks for managed routes, and that it never writes.
/// </summary>
public sealed class RolloutCheckTests
{
    private static RolloutCheck Check(RouterOnMemory router) => new(router.Faults, RouteNamespacePolicy.ConsentOnly);

    [Fact]
    public async Task A_consenting_and_a_refusing_route_elsewhere_managed_names_are_looked_up_only_next_to_the_first_and_nothing_is_written()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("shop");
        router.SeedRoute("payments", ns: "team-b", annotations: "\"rollouts.apisixplugin.io/allow-rollouts-from\": \"shop\"");
        router.SeedRoute("ledger", ns: "team-c");
        var rollout = Rollout("""{"routes":[{"name":"shop"},{"name":"payments","namespace":"team-b"},{"name":"ledger","namespace":"team-c"}]}""", "set-header");
        var reads = new List<string>();
        router.Faults.AfterRead = (ns, name) => reads.Add($"{ns}/{name}");

        var result = await Check(router).RunAsync(rollout, null, CancellationToken.None);

        Assert.Equal(["shop/shop", "team-b/payments", "team-c/ledger", "shop/set-header", "team-b/set-header"], reads);
        var consent = result.Findings.Where(f => f.Check == PreflightCheck.Consent).ToList();
        Assert.Equal([("team-b/payments", FindingStatus.Pass), ("team-c/ledger", FindingStatus.Fail)], consent.Select(c => (c.Subject, c.Status)));
        Assert.DoesNotContain(result.Findings, f => f.Subject.StartsWith("team-c/ledger ", StringComparison.Ordinal) || (f.Check == PreflightCheck.Route && f.Subject == "team-c/ledger"));
        Assert.Equal(0, router.Faults.Patches + router.Faults.Creates);
    }

    [Fact]
    public async Task A_block_that_does_not_parse_reads_nothing()
    {
        using var router = new RouterOnMemory();

        var result = await Check(router).RunAsync(Rollout("""{"routes":[]}"""), null, CancellationToken.None);

        var finding = Assert.Single(result.Findings);
        Assert.Equal((FindingStatus.Fail, PreflightCheck.PluginConfig), (finding.Status, finding.Check));
        Assert.Equal("plugins.apisixplugin/apisix.routes: must be a non-empty list of routes", finding.Message);
        Assert.Null(result.Config);
        Assert.Equal(0, router.Faults.Reads);
    }

    [Fact]
    public async Task A_read_the_store_refuses_is_a_failure_naming_the_route()
    {
        using var router = new RouterOnMemory();
        var failing = new ThrowingStore(new Core.Errors.RouterException(Core.Errors.RouterErrorKind.PermissionDenied, "route shop/shop: the plugin may not get apisixroutes in namespace 'shop'"));

        var result = await new RolloutCheck(failing, RouteNamespacePolicy.ConsentOnly).RunAsync(Rollout("""{"route":{"name":"shop"}}"""), null, CancellationToken.None);

        var route = Assert.Single(result.Findings, f => f.Check == PreflightCheck.Route);
        Assert.Equal(FindingStatus.Fail, route.Status);
        Assert.Equal("route shop/shop: the plugin may not get apisixroutes in namespace 'shop'", route.Message);
    }

    private sealed class ThrowingStore(Exception error) : Store.IApisixRouteStore
    {
        public Task<Core.Routes.ApisixRouteSnapshot?> GetAsync(string ns, string name, CancellationToken cancellationToken) => throw error;

        public Task<IReadOnlyList<Core.Routes.ApisixRouteSnapshot>> ListAsync(string ns, Core.Configuration.RouteSelector selector, CancellationToken cancellationToken) => throw error;

        public Task<Core.Routes.ApisixRouteSnapshot> PatchAsync(Core.Patching.RoutePatch patch, CancellationToken cancellationToken) => throw new InvalidOperationException("check writes nothing");

        public Task<Core.Routes.ApisixRouteSnapshot> CreateAsync(string ns, System.Text.Json.JsonElement route, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("check writes nothing");

        public Task DeleteAsync(Core.Routes.ApisixRouteSnapshot route, CancellationToken cancellationToken) => throw new InvalidOperationException("check writes nothing");
    }
}
