using System.Text.Json;
using ApisixPlugin.Core.Access;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Kubernetes.Events;
using ApisixPlugin.Kubernetes.Routing;
using ApisixPlugin.Kubernetes.Store;
using Microsoft.Extensions.Logging.Abstractions;

namespace ApisixPlugin.Integration.Tests.Routing;

/// <summary>
/// What README promises about a write that fails part-way: a SetWeight over two routes whose
/// second PATCH fails has written the first, says so by failing, and the next call converges. The
/// fault comes from a test double around the in-memory store, because no real API server can be
/// told to fail exactly the second write.
/// </summary>
public sealed class PartialWriteTests
{
    private const string Canary = "shop-canary";
    private const string Stable = "shop-stable";

    /// <summary>Test double: the in-memory store, with the Nth PATCH answered as an API server outage.</summary>
    private sealed class FailingNthPatchStore(InMemoryApisixRouteStore inner, int failing) : IApisixRouteStore
    {
        private int _patches;

        public Task<ApisixRouteSnapshot?> GetAsync(string ns, string name, CancellationToken cancellationToken) => inner.GetAsync(ns, name, cancellationToken);

        public Task<ApisixRouteSnapshot> PatchAsync(RoutePatch patch, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _patches) == failing
                ? throw new RouterException(RouterErrorKind.Unavailable, $"route {patch.Key}: the API server could not patch it now (injected)")
                : inner.PatchAsync(patch, cancellationToken);

        public Task<ApisixRouteSnapshot> CreateAsync(string ns, JsonElement route, CancellationToken cancellationToken) => inner.CreateAsync(ns, route, cancellationToken);

        public Task DeleteAsync(ApisixRouteSnapshot route, CancellationToken cancellationToken) => inner.DeleteAsync(route, cancellationToken);
    }

    private static JsonElement RouteJson(string name) => JsonDocument.Parse("""
        {"apiVersion": "apisix.apache.org/v2", "kind": "ApisixRoute", "metadata": {"name": "NAME", "namespace": "shop"},
         "spec": {"http": [{"name": "NAME", "match": {"paths": ["/*"]},
                            "backends": [{"serviceName": "shop-stable", "servicePort": 80}, {"serviceName": "shop-canary", "servicePort": 80}]}]}}
        """.Replace("NAME", name, StringComparison.Ordinal)).RootElement.Clone();

    private static int? CanaryWeight(InMemoryApisixRouteStore store, string name) =>
        store.GetAsync("shop", name, CancellationToken.None).Result!.FindRule(name)!.Backends.Single(b => b.ServiceName == Canary).Weight;

    [Fact]
    public async Task A_failed_second_write_leaves_the_first_route_written_fails_the_call_and_the_next_call_converges()
    {
        var memory = new InMemoryApisixRouteStore();
        memory.Seed(RouteJson("first"));
        memory.Seed(RouteJson("second"));
        var router = new ApisixTrafficRouter(new FailingNthPatchStore(memory, failing: 2), DiscardRolloutEvents.Instance,
            RouteNamespacePolicy.ConsentOnly, NullLogger<ApisixTrafficRouter>.Instance);
        var rollout = new RolloutContext("shop", "shop", "uid-1", Canary, Stable, [], "apisixplugin/apisix",
            """{"routes":[{"name":"first"},{"name":"second"}]}""");

        var error = await Assert.ThrowsAsync<RouterException>(() => router.SetWeightAsync(rollout, 30, [], CancellationToken.None));

        Assert.Equal(RouterErrorKind.Unavailable, error.Kind);
        Assert.Contains("route shop/second", error.Message, StringComparison.Ordinal);
        Assert.Equal(30, CanaryWeight(memory, "first"));
        Assert.Null(CanaryWeight(memory, "second"));

        Assert.Equal(1, await router.SetWeightAsync(rollout, 30, [], CancellationToken.None));
        Assert.Equal(30, CanaryWeight(memory, "second"));
        Assert.True((await router.VerifyWeightAsync(rollout, 30, [], CancellationToken.None)).Verified);
    }
}
