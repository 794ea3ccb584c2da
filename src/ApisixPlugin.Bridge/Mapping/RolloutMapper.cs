using ApisixPlugin.Contracts;
using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.Protos.V1;
using Google.Protobuf;

namespace ApisixPlugin.Bridge.Mapping;

/// <summary>
/// Takes from the decoded argo-rollouts <c>v1alpha1.Rollout</c> only what a router needs, by field
/// name. Gob leaves zero values out, so every absent field reads as its zero value.
/// </summary>
internal sealed class RolloutMapper
{
    private const string DefaultApiVersion = PluginDefaults.RolloutApiVersion;
    private const string DefaultKind = PluginDefaults.RolloutKind;

    private static readonly GobShape RolloutShape = GobShape.Only(
        ("TypeMeta", GobShape.Only("APIVersion", "Kind")),
        ("ObjectMeta", GobShape.Only("Namespace", "Name", "UID")),
        ("Spec", GobShape.Only(("Strategy", GobShape.Only(("Canary", GobShape.Only(
            ("CanaryService", GobShape.All),
            ("StableService", GobShape.All),
            ("TrafficRouting", GobShape.Only(
                ("MaxTrafficWeight", GobShape.All),
                ("ManagedRoutes", GobShape.Only("Name")),
                ("Plugins", GobShape.All))),
            ("PingPong", GobShape.Only("PingService", "PongService")))))))),
        ("Status", GobShape.Only(("Canary", GobShape.Only("StablePingPong")))));

    /// <summary>
    /// What of a Plugin call's argument the bridge builds: of the Rollout, the fields
    /// <see cref="Map"/> reads; every other argument (weights, destinations, routes) whole. A
    /// Rollout's annotations, pod template and status are parsed and dropped, so a large one
    /// costs the bridge its message and not a copy of it. Keep in step with <see cref="Map"/>.
    /// </summary>
    public static GobShape ArgumentShape { get; } = GobShape.AllWith(("Rollout", RolloutShape));

    private readonly string _pluginName;

    public RolloutMapper(string pluginName) => _pluginName = pluginName;

    public Rollout Map(GobValue? rollout)
    {
        var meta = rollout?.Field("ObjectMeta");
        var canary = rollout?.Path("Spec", "Strategy", "Canary");
        var routing = canary?.Field("TrafficRouting");
        var result = new Rollout
        {
            Namespace = Text(meta, "Namespace"),
            Name = Text(meta, "Name"),
            Uid = Text(meta, "UID"),
            CanaryService = Text(canary, "CanaryService"),
            StableService = Text(canary, "StableService"),
            PluginName = _pluginName,
            // *int32: a nil pointer and 0 both arrive as an absent field; 0 means the default.
            MaxTrafficWeight = (int)(routing?.Field("MaxTrafficWeight")?.AsInt64() ?? 0),
            ApiVersion = OrDefault(Text(rollout?.Field("TypeMeta"), "APIVersion"), DefaultApiVersion),
            Kind = OrDefault(Text(rollout?.Field("TypeMeta"), "Kind"), DefaultKind),
        };
        foreach (var route in routing?.Field("ManagedRoutes")?.AsList() ?? [])
        {
            result.ManagedRoutes.Add(Text(route, "Name"));
        }
        foreach (var (key, value) in routing?.Field("Plugins")?.AsMap() ?? [])
        {
            if (key.AsString() == _pluginName)
            {
                result.PluginConfig = ByteString.CopyFrom(value.AsBytes());
            }
        }
        var status = rollout?.Path("Status", "Canary");
        if (canary?.Field("PingPong") is { } pingPong)
        {
            result.PingPong = new PingPong
            {
                PingService = Text(pingPong, "PingService"),
                PongService = Text(pingPong, "PongService"),
                StablePingPong = Text(status, "StablePingPong"),
            };
        }
        return result;
    }

    public static WeightDestination MapDestination(GobValue? destination) => new()
    {
        ServiceName = Text(destination, "ServiceName"),
        PodTemplateHash = Text(destination, "PodTemplateHash"),
        Weight = (int)(destination?.Field("Weight")?.AsInt64() ?? 0),
    };

    public static IEnumerable<WeightDestination> MapDestinations(GobValue? list) =>
        (list?.AsList() ?? []).Select(MapDestination);

    internal static string Text(GobValue? value, string field) => value?.Field(field)?.AsString() ?? "";

    private static string OrDefault(string value, string fallback) => value.Length > 0 ? value : fallback;
}
