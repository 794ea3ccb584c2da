using System.Collections.Immutable;
using System.Text.Json;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Rollouts;

namespace ApisixPlugin.Core.ManagedRoutes;

/// <summary>What to do to one managed route.</summary>
public abstract record ManagedRouteChange
{
    public sealed record Create(string Namespace, JsonElement Route) : ManagedRouteChange
    {
        /// <summary>"namespace/name" of the route to create.</summary>
        public string Key => $"{Namespace}/{Route.GetProperty("metadata").GetProperty("name").GetString()}";
    }

    public sealed record Update(RoutePatch Patch) : ManagedRouteChange;

    public sealed record Delete(ApisixRouteSnapshot Route) : ManagedRouteChange;

    /// <summary>Nothing to write; the reason is for the log.</summary>
    public sealed record Nothing(string Reason) : ManagedRouteChange;
}

/// <summary>
/// Compares a managed route as it is with what it should be. A route of that name that the
/// Rollout does not own is never modified or deleted.
/// </summary>
public static class ManagedRoutePlanner
{
    public static ManagedRouteChange Upsert(ApisixRouteSnapshot? existing, JsonElement desired, RolloutContext rollout, string step)
    {
        var ns = desired.GetProperty("metadata").GetProperty("namespace").GetString()!;
        if (existing is null)
        {
            return new ManagedRouteChange.Create(ns, desired);
        }

        RequireOwned(existing, rollout, step);

        // A route deleted while a finalizer holds it (by RemoveManagedRoutes just before this
        // step's retry, say) goes when the finalizer does: reporting the step done now would lose
        // the route then, and the controller never re-sends a step it has passed. The step fails
        // until the route is gone; the controller's retry then makes it anew.
        if (existing.DeletionTimestamp is { } deleted)
        {
            throw RouterException.Precondition(
                $"{step}: ApisixRoute {existing.Key} is being deleted (since {deleted}; a finalizer holds it); the step is made once it is gone, retry until then");
        }

        // Labels and annotations are the plugin's too: a route taken over from the built-in
        // router loses the copied GitOps label, and a mirror route that becomes a header route
        // says so. The write is guarded by uid and resourceVersion: any change since the read
        // refuses it, so the old values need no test of their own.
        var operations = ImmutableArray.CreateBuilder<PatchOperation>();
        foreach (var (path, wanted) in new[]
        {
            ("/spec", desired.GetProperty("spec")),
            ("/metadata/labels", desired.GetProperty("metadata").GetProperty("labels")),
            ("/metadata/annotations", desired.GetProperty("metadata").GetProperty("annotations")),
        })
        {
            var current = At(existing.Json, path);
            if (current is { } value && JsonElements.DeepEquals(value, wanted))
            {
                continue;
            }

            if (current is not null)
            {
                operations.Add(PatchOperation.Replace(path, wanted));
            }
            else
            {
                operations.Add(PatchOperation.Add(path, wanted));
            }
        }

        if (operations.Count == 0)
        {
            return new ManagedRouteChange.Nothing($"managed route {existing.Key} is up to date");
        }

        operations.InsertRange(0, [
            PatchOperation.Test("/metadata/uid", JsonElements.String(existing.Uid ?? "")),
            PatchOperation.Test("/metadata/resourceVersion", JsonElements.String(existing.ResourceVersion ?? "")),
        ]);
        return new ManagedRouteChange.Update(new RoutePatch(existing.Namespace, existing.Name, operations.ToImmutable()));
    }

    private static JsonElement? At(JsonElement route, string path)
    {
        var node = route;
        foreach (var token in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(token, out node))
            {
                return null;
            }
        }

        return node;
    }

    public static ManagedRouteChange Remove(ApisixRouteSnapshot? existing, RolloutContext rollout, string step, bool foreignIsError)
    {
        if (existing is null)
        {
            return new ManagedRouteChange.Nothing("already gone");
        }

        if (!ManagedRouteOwnership.IsOwnedBy(existing, rollout))
        {
            if (foreignIsError)
            {
                RequireOwned(existing, rollout, step);
            }

            return new ManagedRouteChange.Nothing($"route {existing.Key} is not owned by rollout {rollout.Key}; left alone");
        }

        return existing.DeletionTimestamp is null
            ? new ManagedRouteChange.Delete(existing)
            : new ManagedRouteChange.Nothing($"route {existing.Key} is already being deleted");
    }

    private static void RequireOwned(ApisixRouteSnapshot existing, RolloutContext rollout, string step)
    {
        if (!ManagedRouteOwnership.IsOwnedBy(existing, rollout))
        {
            throw RouterException.Precondition(
                $"{step}: ApisixRoute {existing.Key} already exists and is not owned by rollout {rollout.Key}; it is left unchanged. Rename the managed route or delete that ApisixRoute.");
        }
    }
}
