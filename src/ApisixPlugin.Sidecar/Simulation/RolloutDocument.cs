using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Proto = ApisixPlugin.Protos.V1;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>
/// What the controller would take from a Rollout manifest: the request's <see cref="Proto.Rollout"/>
/// (the bridge fills the same fields from the live object) and the canary steps to replay.
/// The plugin block is passed on untouched; judging it is the service's job, as in production.
/// </summary>
internal sealed record RolloutDocument(Proto.Rollout Rollout, IReadOnlyList<JsonObject> Steps)
{
    public static RolloutDocument From(JsonObject rollout, string pluginName, string source)
    {
        var metadata = rollout["metadata"] as JsonObject;
        var name = Text(metadata?["name"]) ?? throw new SimulationInputException($"{source}: metadata.name is missing");
        var ns = Text(metadata?["namespace"]) ?? "default";
        var canary = rollout["spec"]?["strategy"]?["canary"] as JsonObject
            ?? throw new SimulationInputException($"{source}: spec.strategy.canary is missing (only canary Rollouts route traffic)");
        var routing = canary["trafficRouting"] as JsonObject
            ?? throw new SimulationInputException($"{source}: spec.strategy.canary.trafficRouting is missing");

        var proto = new Proto.Rollout
        {
            Namespace = ns,
            Name = name,
            Uid = Text(metadata?["uid"]) ?? MadeUpUid(ns, name),
            CanaryService = Text(canary["canaryService"]) ?? "",
            StableService = Text(canary["stableService"]) ?? "",
            PluginName = pluginName,
            MaxTrafficWeight = MaxTrafficWeight(routing["maxTrafficWeight"], source),
            ApiVersion = Text(rollout["apiVersion"]) ?? "",
            Kind = Text(rollout["kind"]) ?? "",
        };
        if (routing["managedRoutes"] is JsonArray managed)
        {
            proto.ManagedRoutes.AddRange(managed.Select(r => Text(r?["name"]) ?? ""));
        }

        // Absent stays empty, exactly as the bridge sends it, so the service's own message shows.
        if (routing["plugins"] is JsonObject plugins && plugins.TryGetPropertyValue(pluginName, out var config))
        {
            proto.PluginConfig = ByteString.CopyFromUtf8(config?.ToJsonString() ?? "null");
        }

        if (canary["pingPong"] is JsonObject pingPong)
        {
            // A first rollout starts with ping as the stable side (the controller's status default).
            proto.PingPong = new Proto.PingPong
            {
                PingService = Text(pingPong["pingService"]) ?? "",
                PongService = Text(pingPong["pongService"]) ?? "",
                StablePingPong = "ping",
            };
        }

        var steps = canary["steps"] is JsonArray list ? list.Select(s => s as JsonObject ?? []).ToList() : [];
        return new RolloutDocument(proto, steps);
    }

    /// <summary>
    /// A manifest has no uid until the API server gives it one. A name-derived uid keeps the
    /// output (the ownerReferences of managed routes) the same from run to run.
    /// </summary>
    internal static string MadeUpUid(string ns, string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"simulate/{ns}/{name}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }

    /// <summary>The Rollout CRD's maxTrafficWeight is a 32-bit integer; absent is 0 (the service's default of 100).</summary>
    private static int MaxTrafficWeight(JsonNode? value, string source) => value switch
    {
        null => 0,
        JsonValue v when v.TryGetValue<int>(out var max) => max,
        JsonValue v when v.TryGetValue<long>(out var tooLarge) => throw new SimulationInputException(
            $"{source}: spec.strategy.canary.trafficRouting.maxTrafficWeight {tooLarge} does not fit the Rollout's 32-bit integer field"),
        _ => throw new SimulationInputException(
            $"{source}: spec.strategy.canary.trafficRouting.maxTrafficWeight must be a whole number, not {value.ToJsonString()}"),
    };

    internal static string? Text(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
