using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Routing.Store;

/// <summary>
/// Routes kept in memory with the API server's write rules that matter here (resourceVersion,
/// generation bumped on spec changes, JSON Patch all or nothing, uid/resourceVersion delete
/// preconditions). It backs the <c>simulate</c> command, so a replay runs the same service code.
/// </summary>
public sealed class InMemoryApisixRouteStore : IApisixRouteStore
{
    private readonly ConcurrentDictionary<string, ApisixRouteSnapshot> _routes = new(StringComparer.Ordinal);
    private readonly Lock _writeLock = new();
    private long _resourceVersion;

    /// <summary>Every write, in order, for the simulate command to show.</summary>
    public event Action<string, ApisixRouteSnapshot?>? Written;

    public IReadOnlyList<ApisixRouteSnapshot> All() => _routes.Values.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();

    /// <summary>Adds a route as if someone had applied it (as the user's kubectl apply would).</summary>
    public ApisixRouteSnapshot Seed(JsonElement route)
    {
        var node = JsonElements.ToNode(route)!.AsObject();
        var metadata = node["metadata"]?.AsObject() ?? throw new ArgumentException("route has no metadata", nameof(route));
        metadata["namespace"] ??= "default";
        lock (_writeLock)
        {
            return Store(node, generation: 1);
        }
    }

    public Task<ApisixRouteSnapshot?> GetAsync(string ns, string name, CancellationToken cancellationToken) =>
        Task.FromResult(_routes.GetValueOrDefault($"{ns}/{name}"));

    public Task<IReadOnlyList<ApisixRouteSnapshot>> ListAsync(string ns, RouteSelector selector, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ApisixRouteSnapshot>>([.. _routes.Values.Where(r => r.Namespace == ns && selector.Matches(r.Labels())).OrderBy(r => r.Name, StringComparer.Ordinal)]);

    public Task<ApisixRouteSnapshot> PatchAsync(RoutePatch patch, CancellationToken cancellationToken)
    {
        lock (_writeLock)
        {
            var current = _routes.GetValueOrDefault(patch.Key) ?? throw RouterException.Precondition($"route {patch.Key}: not found (patch)");
            JsonElement patched;
            try
            {
                patched = JsonPatchApplier.Apply(current.Json, patch.Operations);
            }
            catch (JsonPatchException e)
            {
                // As the API server answers 422 without causes: the route changed since it was read.
                throw new RouteConflictException(patch.Key, $"route {patch.Key}: {e.Message}");
            }

            var specChanged = !JsonElements.DeepEquals(Spec(current.Json), Spec(patched));
            var result = Store(JsonElements.ToNode(patched)!.AsObject(), current.Generation + (specChanged ? 1 : 0));
            Written?.Invoke(patch.Key, result);
            return Task.FromResult(result);
        }
    }

    public Task<ApisixRouteSnapshot> CreateAsync(string ns, JsonElement route, CancellationToken cancellationToken)
    {
        lock (_writeLock)
        {
            var node = JsonElements.ToNode(route)!.AsObject();
            var metadata = node["metadata"]!.AsObject();
            metadata["namespace"] = ns;
            var key = $"{ns}/{metadata["name"]}";
            if (_routes.ContainsKey(key))
            {
                throw new RouteConflictException(key, $"route {key}: already exists");
            }

            metadata["uid"] = Guid.NewGuid().ToString();
            var result = Store(node, generation: 1);
            Written?.Invoke(key, result);
            return Task.FromResult(result);
        }
    }

    public Task DeleteAsync(ApisixRouteSnapshot route, CancellationToken cancellationToken)
    {
        lock (_writeLock)
        {
            if (_routes.TryGetValue(route.Key, out var current))
            {
                if (current.Uid != route.Uid || current.ResourceVersion != route.ResourceVersion)
                {
                    throw new RouteConflictException(route.Key, $"route {route.Key}: changed since it was read (delete)");
                }

                _routes.TryRemove(route.Key, out _);
                Written?.Invoke(route.Key, null);
            }
        }

        return Task.CompletedTask;
    }

    private ApisixRouteSnapshot Store(JsonObject node, long generation)
    {
        var metadata = node["metadata"]!.AsObject();
        metadata["uid"] ??= Guid.NewGuid().ToString();
        metadata["resourceVersion"] = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
        metadata["generation"] = generation;
        var snapshot = new ApisixRouteSnapshot(JsonElements.ToElement(node));
        _routes[snapshot.Key] = snapshot;
        return snapshot;
    }

    private static JsonElement Spec(JsonElement route) =>
        route.TryGetProperty("spec", out var spec) ? spec : default;
}
