using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.GitOps;

/// <summary>
/// The label a steered route carries while its Rollout is in progress (canary weight above 0, or
/// managed routes of the Rollout present), so that Argo CD or Flux can tell the plugin's edits
/// from drift only for that time. Its operations go into the same guarded patch as the weights.
/// Only the one key is ever written: another writer's labels are never replaced. A marker of
/// another Rollout on the same route is left alone, neither overwritten nor removed.
/// </summary>
public sealed record InProgressLabel(string? Key)
{
    public const string DefaultKey = "rollouts.apisixplugin.io/in-progress";

    public static readonly InProgressLabel Default = new(DefaultKey);

    public static readonly InProgressLabel Off = new((string?)null);

    public bool Enabled => !string.IsNullOrEmpty(Key);

    /// <summary>
    /// The label's value for <paramref name="rollout"/> on a route of <paramref name="routeNamespace"/>:
    /// the Rollout's name when the route is in its namespace and the name fits a label value (63
    /// characters). Otherwise the name is cut and given a hash of namespace and name, so that two
    /// Rollouts of one name in different namespaces, steering one consenting route, do not take
    /// each other's marker for their own, and two long names still differ.
    /// </summary>
    public static string ValueFor(RolloutContext rollout, string routeNamespace)
    {
        var name = rollout.Name;
        if (routeNamespace == rollout.Namespace && name.Length <= 63)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(rollout.Key)))[..10];
        return $"{name[..Math.Min(name.Length, 52)].TrimEnd('-', '.', '_')}-{hash}";
    }

    /// <summary>
    /// The operations that give <paramref name="route"/> the marker when <paramref name="inProgress"/>,
    /// and take this Rollout's marker away when not. Adding is guarded by the resourceVersion read:
    /// two Rollouts steering different rules of one route must not both find the key free and the
    /// later one replace the other's marker (their weight tests cover different rules, so nothing
    /// else in their patches would conflict). Removing is guarded by the value.
    /// </summary>
    public ImmutableArray<PatchOperation> Plan(ApisixRouteSnapshot route, RolloutContext rollout, bool inProgress)
    {
        if (!Enabled)
        {
            return [];
        }

        var key = Key!;
        var mine = ValueFor(rollout, route.Namespace);
        var current = route.Label(key);
        var path = $"/metadata/labels/{PatchOperation.Escape(key)}";
        if (inProgress && string.IsNullOrEmpty(current))
        {
            var guard = PatchOperation.Test("/metadata/resourceVersion", JsonElements.String(route.ResourceVersion ?? ""));
            return route.HasLabels
                ? [guard, PatchOperation.Add(path, JsonElements.String(mine))]
                : [guard, PatchOperation.Add("/metadata/labels", JsonElements.ToElement(new JsonObject { [key] = mine }))];
        }

        return !inProgress && current == mine
            ? [PatchOperation.Test(path, JsonElements.String(mine)), PatchOperation.Remove(path)]
            : [];
    }

    /// <summary>The routes that carry this Rollout's marker in <paramref name="ns"/>: what it steered, selected or not.</summary>
    public RouteSelector? MarkedBy(RolloutContext rollout, string ns) =>
        Enabled ? new RouteSelector(ns, ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal).Add(Key!, ValueFor(rollout, ns)), [], []) : null;
}
