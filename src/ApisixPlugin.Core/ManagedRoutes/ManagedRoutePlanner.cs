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
    public sealed record Create(string Namespace, JsonElement Route) : ManagedRouteChange;

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
        var wanted = desired.GetProperty("spec");
        if (existing.Json.TryGetProperty("spec", out var spec) && JsonElements.DeepEquals(spec, wanted))
        {
            return new ManagedRouteChange.Nothing($"managed route {existing.Key} is up to date");
        }

        // The uid test keeps a route deleted and re-created by someone else from being written;
        // the spec test makes a concurrent edit fail the write, which is then re-planned.
        var operations = ImmutableArray.Create(
            PatchOperation.Test("/metadata/uid", JsonElements.String(existing.Uid ?? "")),
            spec.ValueKind == JsonValueKind.Undefined ? PatchOperation.Add("/spec", wanted) : PatchOperation.Test("/spec", spec),
            PatchOperation.Replace("/spec", wanted));
        return new ManagedRouteChange.Update(new RoutePatch(existing.Namespace, existing.Name, operations));
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

        return new ManagedRouteChange.Delete(existing);
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
