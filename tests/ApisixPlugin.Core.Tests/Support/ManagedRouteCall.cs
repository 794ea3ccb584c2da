using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Tests.Support;

/// <summary>
/// One setHeaderRoute, setMirrorRoute or removeManagedRoutes call for one managed route name, as
/// the core sees it. <see cref="Plan"/> makes the choice ApisixTrafficRouter.ManagedRoutes.cs
/// makes (a step without matches, or a mirror at 0 %, removes; otherwise the builder's route is
/// upserted), so the golden files and the properties run the path the service runs, minus the
/// API server. Exactly one of <see cref="Header"/>, <see cref="Mirror"/> and <see cref="Removed"/>
/// is set.
/// </summary>
internal sealed record ManagedRouteCall(RolloutContext Rollout, HeaderRouteStep? Header, MirrorRouteStep? Mirror, string? Removed)
{
    public const string HeaderStep = "setHeaderRoute";
    public const string MirrorStep = "setMirrorRoute";
    public const string RemoveStep = "removeManagedRoutes";

    /// <summary>The managed route's name: the step's, or the listed one a removal looks up.</summary>
    public string ManagedRoute => Header?.Name ?? Mirror?.Name ?? Removed!;

    /// <summary>The step as the router names it in its messages.</summary>
    public string StepLabel => Header is not null ? $"{HeaderStep} '{ManagedRoute}'"
        : Mirror is not null ? $"{MirrorStep} '{ManagedRoute}'"
        : RemoveStep;

    public PluginConfiguration Configuration() =>
        PluginConfigurationParser.Parse(SetWeightCall.PluginName, Rollout.PluginConfigJson, Rollout.Namespace);

    /// <summary>
    /// The namespace the managed route lives in: that of the configured routes. The router makes
    /// one managed route per namespace; a case or a scenario covers one.
    /// </summary>
    public string Namespace()
    {
        var namespaces = Configuration().Routes.Select(r => r.Namespace).Distinct(StringComparer.Ordinal).ToList();
        return namespaces.Count == 1
            ? namespaces[0]
            : throw new InvalidOperationException($"configured routes span namespaces {string.Join(", ", namespaces)}; a call here covers one");
    }

    /// <summary>The configured routes paired with their targets, in the configuration's order, as the router reads them.</summary>
    public ImmutableArray<ManagedRouteSource> Sources(IEnumerable<ApisixRouteSnapshot> routes)
    {
        var byKey = routes.ToDictionary(r => r.Key, StringComparer.Ordinal);
        return [.. Configuration().Routes.Select(t => new ManagedRouteSource(
            byKey.TryGetValue(t.Key, out var route) ? route : throw new InvalidOperationException($"no source route {t.Key} given"),
            t))];
    }

    /// <summary>What the builder says the managed route should be (header and mirror steps with matches only).</summary>
    public JsonElement Desired(IEnumerable<ApisixRouteSnapshot> routes)
    {
        var sources = Sources(routes);
        return Header is { } header
            ? HeaderRouteBuilder.Build(Rollout, Namespace(), sources, header)
            : MirrorRouteBuilder.Build(Rollout, Namespace(), sources, Mirror!, Configuration().ClusterDomain);
    }

    /// <summary>Whether the call removes the managed route rather than writing it.</summary>
    public bool Removes => Removed is not null
        || (Header is { } header && header.Matches.IsEmpty)
        || (Mirror is { } mirror && (mirror.Matches.IsEmpty || MirrorRouteBuilder.SampleRatio(mirror) is null));

    /// <summary>Plans the change to the managed route, given the source routes and the route of that name if there is one.</summary>
    public ManagedRouteChange Plan(IEnumerable<ApisixRouteSnapshot> routes, ApisixRouteSnapshot? existing) =>
        Removes
            ? ManagedRoutePlanner.Remove(existing, Rollout, StepLabel, foreignIsError: Removed is null)
            : ManagedRoutePlanner.Upsert(existing, Desired(routes), Rollout, StepLabel);

    /// <summary>
    /// {change: "Create", namespace, route: the ApisixRoute sent}, {change: "Update", route:
    /// "ns/name", patch: the JSON Patch sent}, {change: "Delete", route: "ns/name"} or {change:
    /// "Nothing", reason: what the log says}.
    /// </summary>
    public static JsonObject Describe(ManagedRouteChange change) => change switch
    {
        ManagedRouteChange.Create c => new JsonObject { ["change"] = "Create", ["namespace"] = c.Namespace, ["route"] = JsonNode.Parse(c.Route.GetRawText()) },
        ManagedRouteChange.Update u => new JsonObject { ["change"] = "Update", ["route"] = u.Patch.Key, ["patch"] = JsonNode.Parse(u.Patch.ToJsonPatch()) },
        ManagedRouteChange.Delete d => new JsonObject { ["change"] = "Delete", ["route"] = d.Route.Key },
        ManagedRouteChange.Nothing n => new JsonObject { ["change"] = "Nothing", ["reason"] = n.Reason },
        _ => throw new InvalidOperationException($"unknown change {change}"),
    };

    /// <summary>
    /// Reads call.json: {rollout: {...} (see <see cref="RolloutJson"/>), and one of
    /// setHeaderRoute: {name, match?: [{headerName, headerValue: {exact|prefix|regex}}]},
    /// setMirrorRoute: {name, percentage?, match?: [{method?, path?, headers?: {name: {exact|prefix|regex}}}]}
    /// (the Rollout step's own shapes), or removeManagedRoutes: {name} (which of the Rollout's
    /// managedRoutes this call looks up; the call does so for each of them)}. Other top-level
    /// members (such as "comment") are the golden runner's.
    /// </summary>
    public static ManagedRouteCall FromJson(JsonElement call)
    {
        var rollout = RolloutJson.Read(call.GetProperty("rollout"));
        var steps = new[] { HeaderStep, MirrorStep, RemoveStep }.Where(s => call.TryGetProperty(s, out _)).ToList();
        if (steps.Count != 1)
        {
            throw new InvalidOperationException($"call.json: set exactly one of {HeaderStep}, {MirrorStep}, {RemoveStep}, not [{string.Join(", ", steps)}]");
        }

        var step = call.GetProperty(steps[0]);
        var name = step.GetProperty("name").GetString()!;
        var matches = step.TryGetProperty("match", out var list) ? list.EnumerateArray().ToList() : [];
        return steps[0] switch
        {
            HeaderStep => new ManagedRouteCall(rollout,
                new HeaderRouteStep(name, [.. matches.Select(m => new HeaderMatch(m.GetProperty("headerName").GetString()!, Match(m.GetProperty("headerValue"))))]),
                null, null),
            MirrorStep => new ManagedRouteCall(rollout, null,
                new MirrorRouteStep(name, [.. matches.Select(MirrorMatchOf)], step.TryGetProperty("percentage", out var p) ? p.GetInt32() : null),
                null),
            _ => new ManagedRouteCall(rollout, null, null, name),
        };
    }

    private static MirrorMatch MirrorMatchOf(JsonElement m) =>
        new(
            m.TryGetProperty("method", out var method) ? Match(method) : null,
            m.TryGetProperty("path", out var path) ? Match(path) : null,
            m.TryGetProperty("headers", out var headers)
                ? headers.EnumerateObject().ToImmutableSortedDictionary(h => h.Name, h => Match(h.Value), StringComparer.Ordinal)
                : ImmutableSortedDictionary.Create<string, StringMatch>(StringComparer.Ordinal));

    /// <summary>An Argo StringMatch; an absent or empty member is unset, as the sidecar maps it.</summary>
    private static StringMatch Match(JsonElement m) => new(Member(m, "exact"), Member(m, "prefix"), Member(m, "regex"));

    private static string? Member(JsonElement m, string name) =>
        m.TryGetProperty(name, out var v) && v.GetString() is { Length: > 0 } s ? s : null;
}
