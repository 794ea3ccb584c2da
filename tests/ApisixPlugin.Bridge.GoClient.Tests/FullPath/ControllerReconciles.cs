using System.Text.Json.Nodes;
using static ApisixPlugin.Bridge.GoClient.Tests.FullPath.RouteScenario;

namespace ApisixPlugin.Bridge.GoClient.Tests.FullPath;

/// <summary>
/// The plugin calls of one reconcile of Argo Rollouts' controller, in its order
/// (argo-rollouts rollout/trafficrouting.go, reconcileTrafficRouting): first the branch for the
/// Rollout's state (RemoveManagedRoutes when fully promoted, aborted or the canary has no available
/// replicas), then the current step's setHeaderRoute if the current step is one, then SetWeight 0
/// first if the canary is unavailable while the status still has canary weight, then UpdateHash,
/// SetWeight and VerifyWeight. The controller repeats a reconcile until the step is done: a
/// setHeaderRoute step is re-sent on every reconcile while it is the current step, never after.
/// </summary>
internal static class ControllerReconciles
{
    public const string Header = "X-Canary";

    /// <summary>The Rollout with these managed routes listed (the first gets the higher priority).</summary>
    public static JsonObject RolloutListing(string ns, params string[] managedRoutes)
    {
        var rollout = Rollout(ns);
        rollout["managedRoutes"] = new JsonArray([.. managedRoutes.Select(m => (JsonNode)JsonValue.Create(m))]);
        return rollout;
    }

    /// <summary>A copy of the Rollout with another uid: the Rollout deleted and made again under its name.</summary>
    public static JsonObject Recreated(JsonObject rollout)
    {
        var copy = rollout.DeepClone().AsObject();
        copy["uid"] = Guid.NewGuid().ToString();
        return copy;
    }

    /// <summary>setHeaderRoute {name, match: [{headerName: X-Canary, headerValue: {exact: value}}]}; no value: the step that removes it.</summary>
    public static JsonObject SetHeaderRoute(string name, string? exactValue) => new()
    {
        ["method"] = "SetHeaderRoute",
        ["headerRoute"] = new JsonObject
        {
            ["name"] = name,
            ["match"] = exactValue is null
                ? new JsonArray()
                : new JsonArray(new JsonObject { ["headerName"] = Header, ["headerValue"] = new JsonObject { ["exact"] = exactValue } }),
        },
    };

    /// <summary>A reconcile at a setWeight step (or a pause after one) with the canary available.</summary>
    public static JsonObject[] AtWeightStep(int weight, string canaryHash, string stableHash) =>
        [UpdateHash(canaryHash, stableHash), Call("SetWeight", weight), Call("VerifyWeight", weight)];

    /// <summary>A reconcile at a setHeaderRoute step with the canary available: the step, then the last setWeight step's weight.</summary>
    public static JsonObject[] AtHeaderStep(JsonObject headerStep, int weight, string canaryHash, string stableHash) =>
        [headerStep, UpdateHash(canaryHash, stableHash), Call("SetWeight", weight), Call("VerifyWeight", weight)];

    /// <summary>
    /// A reconcile while the canary ReplicaSet has no available replicas (a new revision not up yet,
    /// or its pods gone): RemoveManagedRoutes, then the current step if it is a setHeaderRoute, then
    /// weight 0 (twice when the status still had canary weight).
    /// </summary>
    public static JsonObject[] CanaryUnavailable(JsonObject? currentHeaderStep, int statusCanaryWeight, string canaryHash, string stableHash) =>
        RemovingManagedRoutes(currentHeaderStep, 0, canaryHash, stableHash, zeroFirst: statusCanaryWeight > 0);

    /// <summary>
    /// A reconcile of an aborted Rollout: RemoveManagedRoutes, weight 0. The first one after the abort
    /// still has the step index of the step it was aborted at (the status resets it to 0 after the
    /// traffic reconcile), so a setHeaderRoute step there is re-sent once after RemoveManagedRoutes.
    /// </summary>
    public static JsonObject[] Aborted(JsonObject? stepAbortedAt, string canaryHash, string stableHash) =>
        RemovingManagedRoutes(stepAbortedAt, 0, canaryHash, stableHash);

    /// <summary>
    /// A reconcile after `promote --full`: RemoveManagedRoutes, the status's canary weight kept. As
    /// with an abort, the first one still re-sends the setHeaderRoute step it was at; then the step
    /// index is past the last step.
    /// </summary>
    public static JsonObject[] PromotedFull(JsonObject? stepPromotedAt, int statusCanaryWeight, string canaryHash, string stableHash) =>
        RemovingManagedRoutes(stepPromotedAt, statusCanaryWeight, canaryHash, stableHash);

    private static JsonObject[] RemovingManagedRoutes(JsonObject? currentStep, int weight, string canaryHash, string stableHash, bool zeroFirst = false)
    {
        var calls = new List<JsonObject> { Call("RemoveManagedRoutes") };
        if (currentStep is not null)
        {
            calls.Add(currentStep.DeepClone().AsObject());
        }
        if (zeroFirst)
        {
            calls.Add(Call("SetWeight", 0));
        }
        calls.AddRange([UpdateHash(canaryHash, stableHash), Call("SetWeight", weight), Call("VerifyWeight", weight)]);
        return [.. calls];
    }

    /// <summary>A reconcile of a fully promoted Rollout: the new revision is stable; RemoveManagedRoutes, weight 0.</summary>
    public static JsonObject[] FullyPromoted(string hash) =>
        [Call("RemoveManagedRoutes"), UpdateHash(hash, hash), Call("SetWeight", 0), Call("VerifyWeight", 0)];

    public static JsonObject UpdateHash(string canaryHash, string stableHash) =>
        new() { ["method"] = "UpdateHash", ["canaryHash"] = canaryHash, ["stableHash"] = stableHash };

    /// <summary>The calls of several reconciles as one controller run's scenario.</summary>
    public static JsonObject Reconciles(JsonObject rollout, params JsonObject[][] reconciles) =>
        Scenario(rollout.DeepClone().AsObject(), [.. reconciles.SelectMany(r => r).Select(c => c.DeepClone().AsObject())]);
}
