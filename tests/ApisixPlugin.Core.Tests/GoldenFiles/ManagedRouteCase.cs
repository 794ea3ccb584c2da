using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Tests.Support;

namespace ApisixPlugin.Core.Tests.GoldenFiles;

/// <summary>
/// One folder of Golden/HeaderRoute, Golden/MirrorRoute or Golden/RemoveManagedRoutes:
/// sources.json (the configured ApisixRoutes as the API server returns them, a list; absent for a
/// removal, which reads none), existing.json (the route already named like the managed route, if
/// any), call.json (see <see cref="ManagedRouteCall.FromJson"/>) and expected.json, the reviewed
/// change (see <see cref="ManagedRouteCall.Describe"/>). A call.json may name, as
/// <c>existingFrom</c>, the case whose created route its existing.json is: that route as the API
/// server returns it, so a chain of cases replays the steps of one rollout (like SetWeight's
/// <c>continues</c>). Golden/README.md describes the files for whoever writes a case.
/// </summary>
internal sealed record ManagedRouteCase(
    string Kind,
    string Name,
    ImmutableArray<ApisixRouteSnapshot> Sources,
    ApisixRouteSnapshot? Existing,
    ManagedRouteCall Call,
    string? ExistingFrom,
    string? Expected)
{
    public const string HeaderRoute = "HeaderRoute";
    public const string MirrorRoute = "MirrorRoute";
    public const string RemoveManagedRoutes = "RemoveManagedRoutes";

    public const string SourcesFile = "sources.json";
    public const string ExistingFile = "existing.json";
    public const string CallFile = "call.json";
    public const string ExpectedFile = "expected.json";

    /// <summary>The API server's own members of a route, added to what was sent.</summary>
    private static readonly string[] ServerFields = ["uid", "resourceVersion", "generation", "creationTimestamp"];

    /// <summary>Each kind of case and the call.json member its calls must use.</summary>
    public static readonly ImmutableDictionary<string, string> StepOfKind = new Dictionary<string, string>
    {
        [HeaderRoute] = ManagedRouteCall.HeaderStep,
        [MirrorRoute] = ManagedRouteCall.MirrorStep,
        [RemoveManagedRoutes] = ManagedRouteCall.RemoveStep,
    }.ToImmutableDictionary();

    public static GoldenFolder Folder(string kind) => new(kind);

    public static IEnumerable<(string Kind, string Name)> All() =>
        StepOfKind.Keys.Order(StringComparer.Ordinal).SelectMany(kind => Folder(kind).Names().Select(name => (kind, name)));

    public static ManagedRouteCase Load(string kind, string name)
    {
        var folder = Folder(kind);
        var callJson = JsonText.Parse(folder.Read(name, CallFile));
        if (!callJson.TryGetProperty(StepOfKind[kind], out _))
        {
            throw new InvalidOperationException($"{kind}/{name}: call.json has no {StepOfKind[kind]} member");
        }

        var sources = folder.ReadIfPresent(name, SourcesFile) is { } list
            ? [.. JsonText.Parse(list).EnumerateArray().Select(r => new ApisixRouteSnapshot(r))]
            : ImmutableArray<ApisixRouteSnapshot>.Empty;
        var existing = folder.ReadIfPresent(name, ExistingFile) is { } text ? ApisixRouteSnapshot.Parse(text) : null;
        var from = callJson.TryGetProperty("existingFrom", out var f) ? f.GetString() : null;
        var golden = new ManagedRouteCase(kind, name, sources, existing, ManagedRouteCall.FromJson(callJson), from, folder.ReadIfPresent(name, ExpectedFile));
        golden.RequireConsistent();
        return golden;
    }

    /// <summary>Plans the call; the change (or the error) printed the way expected.json holds it.</summary>
    public string Produce()
    {
        JsonObject described;
        try
        {
            described = ManagedRouteCall.Describe(Call.Plan(Sources, Existing));
        }
        catch (RouterException e)
        {
            // A refusal is a reviewed outcome too: its message is what the user reads.
            described = new JsonObject { ["error"] = e.Kind.ToString(), ["message"] = e.Message };
        }

        return JsonText.Pretty(described.ToJsonString());
    }

    /// <summary>
    /// The route of that name after the planned change, as the API server would apply it (After
    /// null: there is none), or Refused when the call is refused and writes nothing.
    /// </summary>
    public (ApisixRouteSnapshot? After, bool Refused) Apply()
    {
        ManagedRouteChange change;
        try
        {
            change = Call.Plan(Sources, Existing);
        }
        catch (RouterException)
        {
            return (null, true);
        }

        return (change switch
        {
            ManagedRouteChange.Create c => ApiServer.Create(c.Route),
            ManagedRouteChange.Update u => ApiServer.Patch(Existing!, u.Patch),
            ManagedRouteChange.Delete => null,
            _ => Existing,
        }, false);
    }

    /// <summary>
    /// existing.json as <see cref="ExistingFrom"/> makes it now: the route that case creates, with
    /// the API server's members after name and namespace (their values kept from the current
    /// existing.json, so that regenerating changes only what the other case changed).
    /// </summary>
    public string? DerivedExisting()
    {
        if (ExistingFrom is not { } from)
        {
            return null;
        }

        var parts = from.Split('/');
        var predecessor = JsonNode.Parse(Load(parts[0], parts[1]).Produce())!;
        if (predecessor["change"]?.GetValue<string>() != "Create")
        {
            throw new InvalidOperationException($"{this}: existingFrom {from} does not create a route");
        }

        var route = predecessor["route"]!.AsObject();
        var sent = route["metadata"]!.AsObject();
        var current = Existing is { } e ? JsonNode.Parse(e.Json.GetRawText())!["metadata"]!.AsObject() : null;
        var metadata = new JsonObject { ["name"] = sent["name"]!.DeepClone(), ["namespace"] = sent["namespace"]!.DeepClone() };
        // For a new case that has no existing.json yet.
        var defaults = new JsonObject { ["uid"] = "8a4f6c1d-0000-4000-8000-0000000000a1", ["resourceVersion"] = "5101", ["generation"] = 1, ["creationTimestamp"] = "2026-11-25T18:05:00Z" };
        foreach (var field in ServerFields)
        {
            metadata[field] = (current?[field] ?? defaults[field])!.DeepClone();
        }

        foreach (var (key, value) in sent.Where(p => !metadata.ContainsKey(p.Key)).ToList())
        {
            metadata[key] = value!.DeepClone();
        }

        route["metadata"] = metadata;
        return JsonText.Pretty(route.ToJsonString());
    }

    /// <summary>While updating: rewrites existing.json from <see cref="ExistingFrom"/> and reloads the case.</summary>
    public ManagedRouteCase Refreshed()
    {
        if (DerivedExisting() is { } derived)
        {
            Folder(Kind).Write(Name, ExistingFile, derived);
            return Load(Kind, Name);
        }

        return this;
    }

    public override string ToString() => $"{Kind}/{Name}";

    /// <summary>A case whose files cannot come from one cluster is a mistake in the test data, not a finding.</summary>
    private void RequireConsistent()
    {
        // A step names a route the Rollout may not list (the core refuses it); a removal only
        // ever looks up listed ones.
        if (Call.Removed is not null && !Call.Rollout.ManagedRoutes.Contains(Call.ManagedRoute))
        {
            throw new InvalidOperationException($"{this}: {Call.ManagedRoute} is not in the Rollout's managedRoutes");
        }

        if (Existing is { } existing && existing.Name != Call.ManagedRoute)
        {
            throw new InvalidOperationException($"{this}: existing.json is named {existing.Name}, the call manages {Call.ManagedRoute}");
        }

        if (Call.Removed is null)
        {
            if (Existing is { } e && e.Namespace != Call.Namespace())
            {
                throw new InvalidOperationException($"{this}: existing.json is in {e.Namespace}, the managed route belongs in {Call.Namespace()}");
            }

            // The router reads every configured route, also for a step that removes.
            _ = Call.Sources(Sources);
        }
    }
}
