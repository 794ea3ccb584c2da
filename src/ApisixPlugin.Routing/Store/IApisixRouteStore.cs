using System.Text.Json;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Routing.Store;

/// <summary>
/// Where ApisixRoutes live: the Kubernetes API server, or memory for <c>simulate</c>. Every write
/// is conditional (a test of what was read, a resourceVersion or a uid), never a blind overwrite.
/// Failures are <see cref="Core.Errors.RouterException"/>s that name the route, or
/// <see cref="RouteConflictException"/> when the route changed since it was read.
/// </summary>
public interface IApisixRouteStore
{
    /// <summary>The route, or null when it does not exist.</summary>
    Task<ApisixRouteSnapshot?> GetAsync(string ns, string name, CancellationToken cancellationToken);

    /// <summary>The routes of <paramref name="ns"/> whose labels match <paramref name="selector"/>, by one list request.</summary>
    Task<IReadOnlyList<ApisixRouteSnapshot>> ListAsync(string ns, RouteSelector selector, CancellationToken cancellationToken);

    /// <summary>Applies a JSON Patch whose test operations guard against concurrent edits.</summary>
    Task<ApisixRouteSnapshot> PatchAsync(RoutePatch patch, CancellationToken cancellationToken);

    /// <summary>Creates a route; a route of that name already there is a conflict.</summary>
    Task<ApisixRouteSnapshot> CreateAsync(string ns, JsonElement route, CancellationToken cancellationToken);

    /// <summary>Deletes the route only if it is still the one read (same uid and resourceVersion).</summary>
    Task DeleteAsync(ApisixRouteSnapshot route, CancellationToken cancellationToken);
}

/// <summary>The route changed (or appeared) since it was read; re-read and plan again.</summary>
public sealed class RouteConflictException(string routeKey, string message) : Exception(message)
{
    public string RouteKey { get; } = routeKey;
}
