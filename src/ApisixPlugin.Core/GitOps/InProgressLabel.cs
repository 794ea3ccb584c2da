using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
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
    /// The Rollout's name, which is the label's value whenever it fits one (63 characters, ending
    /// alphanumeric); a longer name is cut and given a hash of the whole, so two long names differ.
    /// </summary>
    public static string ValueFor(RolloutContext rollout)
    {
        var name = rollout.Name;
        if (name.Length <= 63)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..10];
        return $"{name[..52].TrimEnd('-', '.', '_')}-{hash}";
    }

    /// <summary>The operations that give <paramref name="route"/> the marker when <paramref name="inProgress"/>, and take this Rollout's marker away when not.</summary>
    public ImmutableArray<PatchOperation> Plan(ApisixRouteSnapshot route, RolloutContext rollout, bool inProgress)
    {
        if (!Enabled)
        {
            return [];
        }

        var key = Key!;
        var mine = ValueFor(rollout);
        var current = route.Label(key);
        var path = $"/metadata/labels/{PatchOperation.Escape(key)}";
        if (inProgress && current is null)
        {
            // A route without labels gets the map; the resourceVersion guard makes sure no label
            // arrived since it was read, which adding the whole map would otherwise drop.
            return route.HasLabels
                ? [PatchOperation.Add(path, JsonElements.String(mine))]
                : [PatchOperation.Test("/metadata/resourceVersion", JsonElements.String(route.ResourceVersion ?? "")),
                   PatchOperation.Add("/metadata/labels", JsonElements.ToElement(new JsonObject { [key] = mine }))];
        }

        return !inProgress && current == mine
            ? [PatchOperation.Test(path, JsonElements.String(mine)), PatchOperation.Remove(path)]
            : [];
    }
}
