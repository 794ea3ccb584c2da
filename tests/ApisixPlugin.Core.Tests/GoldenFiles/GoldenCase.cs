using System.Text.Json;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Tests.Support;

namespace ApisixPlugin.Core.Tests.GoldenFiles;

/// <summary>
/// One folder of Golden/SetWeight: route.json (the ApisixRoute as the API server returns it),
/// call.json (the SetWeight call), expected-patch.json and expected-route.json (reviewed output).
/// A call.json may name the case it <c>continues</c>: its route.json must then be that case's
/// expected-route.json, so a chain of cases replays the steps of one rollout.
/// </summary>
/// <remarks>
/// <c>UPDATE_GOLDEN=1 dotnet test</c> rewrites expected-*.json (and a continuing case's route.json)
/// in the source tree instead of the build output (see <see cref="GoldenFolder"/>); review the
/// diff before committing it.
/// </remarks>
internal sealed record GoldenCase(string Name, string RouteJson, JsonElement CallJson, string? ExpectedPatch, string? ExpectedRoute)
{
    public const string RouteFile = "route.json";
    public const string CallFile = "call.json";
    public const string ExpectedPatchFile = "expected-patch.json";
    public const string ExpectedRouteFile = "expected-route.json";

    private static readonly GoldenFolder Folder = new("SetWeight");

    public static bool Updating => GoldenFolder.Updating;

    /// <summary>Where the cases are read from: the build output, or the source tree when updating.</summary>
    public static string Root => Folder.Root;

    public static IEnumerable<string> Names() => Folder.Names();

    public string? Continues =>
        CallJson.TryGetProperty("continues", out var previous) ? previous.GetString() : null;

    public SetWeightCall Call => SetWeightCall.FromJson(CallJson);

    public static GoldenCase Load(string name) =>
        new(
            name,
            Folder.Read(name, RouteFile),
            JsonText.Parse(Folder.Read(name, CallFile)),
            Folder.ReadIfPresent(name, ExpectedPatchFile),
            Folder.ReadIfPresent(name, ExpectedRouteFile));

    /// <summary>Plans and applies the call; both results printed the way the files are.</summary>
    public (string Patch, string Route) Produce()
    {
        var route = ApisixRouteSnapshot.Parse(InputRoute());
        var patch = Call.Plan(route);
        var after = JsonPatchApplier.Apply(route.Json, patch.Operations);
        return (JsonText.Pretty(patch.ToJsonPatch()), JsonText.Pretty(after));
    }

    /// <summary>Writes what <see cref="Produce"/> returned into the source tree (UPDATE_GOLDEN=1 only).</summary>
    public void Write(string patch, string route)
    {
        if (Continues is not null)
        {
            Folder.Write(Name, RouteFile, InputRoute());
        }

        Folder.Write(Name, ExpectedPatchFile, patch);
        Folder.Write(Name, ExpectedRouteFile, route);
    }

    /// <summary>When updating, a continuing case starts from what its predecessor produces now.</summary>
    private string InputRoute() =>
        Updating && Continues is { } previous ? Load(previous).Produce().Route : RouteJson;
}
