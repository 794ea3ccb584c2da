using System.Text.Json;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Routing.Store;

namespace ApisixPlugin.Routing.Tests.Support;

/// <summary>
/// Test double: the in-memory store, with faults injected per write. No real API server can be
/// told to fail exactly the second PATCH, or to conflict three times and then accept. Each
/// <see cref="Fault"/> is consulted before the write reaches the store; null lets it through.
/// </summary>
internal sealed class FaultyStore(InMemoryApisixRouteStore inner) : IApisixRouteStore
{
    private int _patches;
    private int _creates;

    /// <summary>Called with the write's 1-based number among writes of its kind; an exception to throw, or null.</summary>
    public Func<string, int, RoutePatch?, Exception?> Fault { get; set; } = (_, _, _) => null;

    /// <summary>Called after a read and before it returns: lets a test edit the route "meanwhile".</summary>
    public Action<string, string>? AfterRead { get; set; }

    public int Patches => _patches;

    public int Creates => _creates;

    public int Reads { get; private set; }

    public async Task<ApisixRouteSnapshot?> GetAsync(string ns, string name, CancellationToken cancellationToken)
    {
        Reads++;
        var route = await inner.GetAsync(ns, name, cancellationToken);
        AfterRead?.Invoke(ns, name);
        return route;
    }

    public int Lists { get; private set; }

    public Task<IReadOnlyList<ApisixRouteSnapshot>> ListAsync(string ns, RouteSelector selector, CancellationToken cancellationToken)
    {
        Lists++;
        return Fault("list", Lists, null) is { } e ? throw e : inner.ListAsync(ns, selector, cancellationToken);
    }

    public Task<ApisixRouteSnapshot> PatchAsync(RoutePatch patch, CancellationToken cancellationToken) =>
        Fault("patch", Interlocked.Increment(ref _patches), patch) is { } e ? throw e : inner.PatchAsync(patch, cancellationToken);

    public Task<ApisixRouteSnapshot> CreateAsync(string ns, JsonElement route, CancellationToken cancellationToken) =>
        Fault("create", Interlocked.Increment(ref _creates), null) is { } e ? throw e : inner.CreateAsync(ns, route, cancellationToken);

    public Task DeleteAsync(ApisixRouteSnapshot route, CancellationToken cancellationToken) =>
        Fault("delete", 1, null) is { } e ? throw e : inner.DeleteAsync(route, cancellationToken);
}
