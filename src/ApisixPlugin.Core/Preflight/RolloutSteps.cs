using System.Text.Json;

namespace ApisixPlugin.Core.Preflight;

/// <summary>
/// The Rollout's steps as they will reach the plugin. The controller's calls cross go-plugin in
/// gob, which leaves every zero value out, a pointer to 0 included: a setMirrorRoute step with
/// percentage 0 arrives with no percentage, and no percentage means every matching request. That
/// is so for every go-plugin plugin, and no plugin can tell the two apart, so only a reader of
/// the Rollout itself can say so before the step mirrors all of that traffic to the canary.
/// </summary>
public static class RolloutSteps
{
    public static IReadOnlyList<PreflightFinding> Check(LiveRollout rollout) =>
    [
        .. rollout.Steps()
            .Select(s => (s.Index, Mirror: s.Step.ValueKind == JsonValueKind.Object && s.Step.TryGetProperty("setMirrorRoute", out var mirror)
                && mirror.ValueKind == JsonValueKind.Object ? mirror : (JsonElement?)null))
            .Where(s => s.Mirror is { } mirror && mirror.TryGetProperty("percentage", out var percentage)
                && percentage.ValueKind == JsonValueKind.Number && percentage.TryGetInt64(out var value) && value == 0)
            .Select(s => PreflightFinding.Fail(PreflightCheck.Steps, $"{rollout.Key} steps[{s.Index}]",
                $"rollout {rollout.Key}: spec.strategy.canary.steps[{s.Index}].setMirrorRoute '{NameOf(s.Mirror!.Value)}' has percentage 0, "
                + "which reaches the plugin as no percentage (go-plugin's gob encoding leaves zero values out) and so mirrors every matching request; "
                + "remove the step to mirror nothing, or give a percentage of at least 1")),
    ];

    private static string NameOf(JsonElement mirror) =>
        mirror.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() ?? "" : "";
}
