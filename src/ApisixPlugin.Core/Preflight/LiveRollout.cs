using System.Collections.Immutable;
using System.Text.Json;
using ApisixPlugin.Core.Rollouts;

namespace ApisixPlugin.Core.Preflight;

/// <summary>
/// A Rollout (argoproj.io/v1alpha1) as the API server returned it, read for the preflight: which
/// plugins it routes through, and the <see cref="RolloutContext"/> the bridge would send for it
/// (the plugin block passed on as its JSON text, exactly as the controller hands it over).
/// </summary>
public sealed record LiveRollout(JsonElement Json)
{
    public string Namespace => Text(Json, "metadata", "namespace") ?? "";

    public string Name => Text(Json, "metadata", "name") ?? "";

    public string Key => $"{Namespace}/{Name}";

    /// <summary>The keys under spec.strategy.canary.trafficRouting.plugins, in their order.</summary>
    public ImmutableArray<string> PluginNames() =>
        Routing() is { } routing && routing.TryGetProperty("plugins", out var plugins) && plugins.ValueKind == JsonValueKind.Object
            ? [.. plugins.EnumerateObject().Select(p => p.Name)]
            : [];

    public bool UsesPlugin(string pluginName) => PluginNames().Contains(pluginName);

    /// <summary>
    /// Why the Rollout is not one this plugin routes, naming the field; null when it is. A Rollout
    /// that is not canary, or names other plugins only, is simply not the plugin's.
    /// </summary>
    public string? NotUsingPlugin(string pluginName)
    {
        if (Canary() is null)
        {
            return $"rollout {Key}: spec.strategy.canary is missing (only canary Rollouts route traffic through a plugin)";
        }

        if (Routing() is null)
        {
            return $"rollout {Key}: spec.strategy.canary.trafficRouting is missing";
        }

        var names = PluginNames();
        return names.Contains(pluginName)
            ? null
            : $"rollout {Key}: spec.strategy.canary.trafficRouting.plugins has no key '{pluginName}' " +
              (names.IsEmpty ? "(it names no plugin)" : $"(it names {string.Join(", ", names.Select(n => $"'{n}'"))})");
    }

    /// <summary>What the bridge would send the sidecar for this Rollout.</summary>
    public RolloutContext ToContext(string pluginName)
    {
        var canary = Canary();
        var routing = Routing();
        var managed = routing is { } r && r.TryGetProperty("managedRoutes", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(m => Text(m, "name") ?? "").ToImmutableArray()
            : [];
        var config = routing is { } rr && rr.TryGetProperty("plugins", out var plugins) && plugins.ValueKind == JsonValueKind.Object
            && plugins.TryGetProperty(pluginName, out var block)
                ? block.GetRawText()
                : "";
        PingPongServices? pingPong = canary is { } c && c.TryGetProperty("pingPong", out var pp) && pp.ValueKind == JsonValueKind.Object
            && Text(pp, "pingService") is { Length: > 0 } ping && Text(pp, "pongService") is { Length: > 0 } pong
                ? new PingPongServices(ping, pong, StableIsPing: Text(Json, "status", "canary", "stablePingPong") != "pong")
                : null;
        return new RolloutContext(
            Namespace,
            Name,
            Text(Json, "metadata", "uid") ?? "",
            canary is { } cs ? Text(cs, "canaryService") ?? "" : "",
            canary is { } ss ? Text(ss, "stableService") ?? "" : "",
            managed,
            pluginName,
            config,
            PingPong: pingPong,
            ApiVersion: Text(Json, "apiVersion") ?? "argoproj.io/v1alpha1",
            Kind: Text(Json, "kind") ?? "Rollout");
    }

    /// <summary>spec.strategy.canary.steps, each with its index.</summary>
    public IEnumerable<(int Index, JsonElement Step)> Steps() =>
        Canary() is { } canary && At(canary, "steps") is { ValueKind: JsonValueKind.Array } steps
            ? steps.EnumerateArray().Select((step, index) => (index, step))
            : [];

    private JsonElement? Canary() => At(Json, "spec", "strategy", "canary") is { ValueKind: JsonValueKind.Object } c ? c : null;

    private JsonElement? Routing() => Canary() is { } c && At(c, "trafficRouting") is { ValueKind: JsonValueKind.Object } r ? r : null;

    private static JsonElement? At(JsonElement element, params string[] path)
    {
        foreach (var step in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(step, out element))
            {
                return null;
            }
        }

        return element;
    }

    private static string? Text(JsonElement element, params string[] path) =>
        At(element, path) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;
}
