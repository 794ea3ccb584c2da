using System.Text.Json;
using ApisixPlugin.Core.Rollouts;

namespace ApisixPlugin.Core.Tests.Support;

/// <summary>
/// The <c>rollout</c> block of a golden case's call.json, shared by every kind of case so that a
/// Rollout reads the same everywhere: {namespace, name, uid, canaryService, stableService,
/// maxTrafficWeight?, managedRoutes?: [names], pingPong?: {pingService, pongService, stable:
/// "ping"|"pong"}, plugin: {...}}. Absent optional members are what the sidecar maps an unset
/// field of the controller's request to.
/// </summary>
internal static class RolloutJson
{
    public static RolloutContext Read(JsonElement r) =>
        new(
            r.GetProperty("namespace").GetString()!,
            r.GetProperty("name").GetString()!,
            r.GetProperty("uid").GetString()!,
            r.GetProperty("canaryService").GetString()!,
            r.GetProperty("stableService").GetString()!,
            ManagedRoutes: r.TryGetProperty("managedRoutes", out var managed) ? [.. managed.EnumerateArray().Select(m => m.GetString()!)] : [],
            PluginName: SetWeightCall.PluginName,
            PluginConfigJson: r.GetProperty("plugin").GetRawText(),
            MaxTrafficWeight: r.TryGetProperty("maxTrafficWeight", out var max) ? max.GetInt32() : RolloutContext.DefaultMaxTrafficWeight,
            PingPong: r.TryGetProperty("pingPong", out var pp)
                ? new PingPongServices(pp.GetProperty("pingService").GetString()!, pp.GetProperty("pongService").GetString()!,
                    StableIsPing: pp.GetProperty("stable").GetString() != "pong")
                : null);
}
