using System.Collections.Immutable;

namespace ApisixPlugin.Core.Rollouts;

/// <summary>What a router needs to know of the Rollout; the rest of the Rollout never reaches the core.</summary>
public sealed record RolloutContext(
    string Namespace,
    string Name,
    string Uid,
    string CanaryService,
    string StableService,
    ImmutableArray<string> ManagedRoutes,
    string PluginName,
    string PluginConfigJson,
    int MaxTrafficWeight = RolloutContext.DefaultMaxTrafficWeight,
    PingPongServices? PingPong = null,
    string ApiVersion = "argoproj.io/v1alpha1",
    string Kind = "Rollout")
{
    public const int DefaultMaxTrafficWeight = 100;

    /// <summary>"namespace/name", the way the controller and kubectl name a Rollout.</summary>
    public string Key => $"{Namespace}/{Name}";

    /// <summary>
    /// The Services that receive canary and stable traffic now. With ping-pong the two swap roles
    /// at every promotion, and the controller records which one is stable in the Rollout status.
    /// </summary>
    public (string Canary, string Stable) EffectiveServices() =>
        PingPong is { } pp
            ? pp.StableIsPing ? (pp.PongService, pp.PingService) : (pp.PingService, pp.PongService)
            : (CanaryService, StableService);
}

/// <summary>spec.strategy.canary.pingPong and status.canary.stablePingPong.</summary>
public sealed record PingPongServices(string PingService, string PongService, bool StableIsPing);

/// <summary>An additional (experiment) destination of a SetWeight call, or a recorded weight.</summary>
public sealed record WeightDestination(string ServiceName, string PodTemplateHash, int Weight);
