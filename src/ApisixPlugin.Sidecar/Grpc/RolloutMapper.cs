using ApisixPlugin.Contracts;
using System.Collections.Immutable;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Rollouts;
using Proto = ApisixPlugin.Protos.V1;

namespace ApisixPlugin.Sidecar.Grpc;

/// <summary>From the wire contract to the core's records; the only place that knows both.</summary>
internal static class RolloutMapper
{
    public static RolloutContext ToContext(Proto.Rollout? rollout, string defaultPluginName)
    {
        if (rollout is null)
        {
            throw RouterException.Invalid("request.rollout is missing");
        }

        if (string.IsNullOrEmpty(rollout.Namespace) || string.IsNullOrEmpty(rollout.Name))
        {
            throw RouterException.Invalid("request.rollout: namespace and name are required");
        }

        PingPongServices? pingPong = rollout.PingPong is { PingService.Length: > 0, PongService.Length: > 0 } pp
            ? new PingPongServices(pp.PingService, pp.PongService, StableIsPing: pp.StablePingPong != "pong")
            : null;

        return new RolloutContext(
            rollout.Namespace,
            rollout.Name,
            rollout.Uid,
            rollout.CanaryService,
            rollout.StableService,
            [.. rollout.ManagedRoutes],
            string.IsNullOrEmpty(rollout.PluginName) ? defaultPluginName : rollout.PluginName,
            rollout.PluginConfig.ToStringUtf8(),
            rollout.MaxTrafficWeight == 0 ? RolloutContext.DefaultMaxTrafficWeight : rollout.MaxTrafficWeight,
            pingPong,
            string.IsNullOrEmpty(rollout.ApiVersion) ? PluginDefaults.RolloutApiVersion : rollout.ApiVersion,
            string.IsNullOrEmpty(rollout.Kind) ? PluginDefaults.RolloutKind : rollout.Kind);
    }

    public static ImmutableArray<WeightDestination> ToDestinations(IEnumerable<Proto.WeightDestination> destinations) =>
        [.. destinations.Select(d => new WeightDestination(d.ServiceName, d.PodTemplateHash, d.Weight))];

    public static HeaderRouteStep ToStep(Proto.SetHeaderRoute? route) =>
        route is null
            ? throw RouterException.Invalid("request.header_route is missing")
            : new HeaderRouteStep(route.Name, [.. route.Match.Select(m => new HeaderMatch(m.HeaderName, ToMatch(m.HeaderValue)))]);

    public static MirrorRouteStep ToStep(Proto.SetMirrorRoute? route) =>
        route is null
            ? throw RouterException.Invalid("request.mirror_route is missing")
            : new MirrorRouteStep(
                route.Name,
                [.. route.Match.Select(m => new MirrorMatch(
                    m.Method is null ? null : ToMatch(m.Method),
                    m.Path is null ? null : ToMatch(m.Path),
                    m.Headers.ToImmutableSortedDictionary(h => h.Key, h => ToMatch(h.Value), StringComparer.Ordinal)))],
                route.HasPercentage ? route.Percentage : null);

    private static StringMatch ToMatch(Proto.StringMatch? match) =>
        match is null
            ? new StringMatch()
            : new StringMatch(NullIfEmpty(match.Exact), NullIfEmpty(match.Prefix), NullIfEmpty(match.Regex));

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
