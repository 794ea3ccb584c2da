using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.ManagedRoutes;

/// <summary>
/// Who owns a managed route. A controller ownerReference to the Rollout (so Kubernetes garbage
/// collects it with the Rollout) where the route is in the Rollout's namespace, and always an
/// annotation naming the Rollout with its uid, since ownerReferences cannot cross namespaces.
/// </summary>
public static class ManagedRouteOwnership
{
    public static string OwnerValue(RolloutContext rollout) => $"{rollout.Namespace}/{rollout.Name}/{rollout.Uid}";

    /// <summary>Whether the route carries the label every managed route gets (<see cref="Metadata"/>), whoever owns it.</summary>
    public static bool IsManagedByPlugin(ApisixRouteSnapshot route) =>
        route.Label(ApisixRouteConventions.ManagedByLabel) == ApisixRouteConventions.ManagedByValue;

    /// <summary>
    /// Whether the route is this Rollout's: by uid, never by name alone, so a Rollout without a
    /// uid owns nothing (a Rollout deleted and made again under the same name is another owner).
    /// </summary>
    public static bool IsOwnedBy(ApisixRouteSnapshot route, RolloutContext rollout)
    {
        if (string.IsNullOrEmpty(rollout.Uid))
        {
            return false;
        }

        if (route.Annotation(ApisixRouteConventions.OwnerAnnotation) == OwnerValue(rollout))
        {
            return true;
        }

        if (string.IsNullOrEmpty(rollout.Uid) || !route.Json.TryGetProperty("metadata", out var metadata)
            || !metadata.TryGetProperty("ownerReferences", out var owners) || owners.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        return owners.EnumerateArray().Any(o => o.TryGetProperty("uid", out var uid) && uid.ValueEquals(rollout.Uid));
    }

    /// <summary>The metadata of a managed route: no labels or annotations of the source are copied
    /// (a GitOps tool's tracking label would make it claim, then prune, the copy).</summary>
    public static JsonObject Metadata(RolloutContext rollout, string ns, string name, string kind)
    {
        if (string.IsNullOrEmpty(rollout.Uid))
        {
            throw RouterException.Invalid($"rollout {rollout.Key}: the Rollout's uid is empty; managed route {ns}/{name} is owned by uid and cannot be made without one");
        }

        var metadata = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = ns,
            ["labels"] = new JsonObject { [ApisixRouteConventions.ManagedByLabel] = ApisixRouteConventions.ManagedByValue },
            ["annotations"] = new JsonObject
            {
                [ApisixRouteConventions.OwnerAnnotation] = OwnerValue(rollout),
                [ApisixRouteConventions.ManagedKindAnnotation] = kind,
            },
        };
        if (ns == rollout.Namespace)
        {
            metadata["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = rollout.ApiVersion,
                ["kind"] = rollout.Kind,
                ["name"] = rollout.Name,
                ["uid"] = rollout.Uid,
                ["controller"] = true,
            });
        }

        return metadata;
    }
}
