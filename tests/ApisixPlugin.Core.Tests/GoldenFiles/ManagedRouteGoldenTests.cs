using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Tests.Support;

namespace ApisixPlugin.Core.Tests.GoldenFiles;

/// <summary>
/// Header routes, mirror routes and their removal planned on real-looking ApisixRoutes, checked
/// against reviewed files (Golden/HeaderRoute, Golden/MirrorRoute, Golden/RemoveManagedRoutes).
/// Every case folder is a test case; the list below guards against one going missing and against
/// a case whose regenerated file quietly changed outcome (an identical route that now updates).
/// </summary>
public sealed class ManagedRouteGoldenTests
{
    /// <summary>The situations the golden files must keep covering, and the outcome each must have.</summary>
    private static readonly Dictionary<string, string> RequiredCases = new(StringComparer.Ordinal)
    {
        ["HeaderRoute/guide-trace-debug-exact"] = "Create",
        ["HeaderRoute/header-prefix"] = "Create",
        ["HeaderRoute/header-regex"] = "Create",
        ["HeaderRoute/two-match-entries"] = "Create",
        ["HeaderRoute/two-configured-rules"] = "Create",
        ["HeaderRoute/two-source-routes"] = "Create",
        ["HeaderRoute/first-of-two-managed-routes"] = "Create",
        ["HeaderRoute/second-of-two-managed-routes"] = "Create",
        ["HeaderRoute/route-in-another-namespace"] = "Create",
        ["HeaderRoute/existing-updated-after-source-edit"] = "Update",
        ["HeaderRoute/existing-identical"] = "Nothing",
        ["HeaderRoute/taken-over-owner-reference-only"] = "Update",
        ["HeaderRoute/foreign-route-with-the-name"] = "FailedPrecondition",
        ["HeaderRoute/no-match-removes-owned"] = "Delete",
        ["HeaderRoute/owned-route-being-deleted"] = "FailedPrecondition",
        ["MirrorRoute/method-path-headers-50"] = "Create",
        ["MirrorRoute/percentage-omitted-is-100"] = "Create",
        ["MirrorRoute/method-regex-as-expr"] = "Create",
        ["MirrorRoute/method-outside-source-methods"] = "Create",
        ["MirrorRoute/experiment-backends-copied"] = "Create",
        ["MirrorRoute/custom-cluster-domain-and-port"] = "Create",
        ["MirrorRoute/existing-identical"] = "Nothing",
        ["MirrorRoute/no-match-removes-owned"] = "Delete",
        ["MirrorRoute/percentage-0-removes-owned"] = "Delete",
        ["MirrorRoute/canary-named-port"] = "FailedPrecondition",
        ["RemoveManagedRoutes/owned-route-deleted"] = "Delete",
        ["RemoveManagedRoutes/owned-by-annotation-in-another-namespace"] = "Delete",
        ["RemoveManagedRoutes/foreign-route-left-alone"] = "Nothing",
        ["RemoveManagedRoutes/missing-route"] = "Nothing",
        ["RemoveManagedRoutes/owned-route-being-deleted"] = "Nothing",
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (kind, name) in ManagedRouteCase.All())
        {
            data.Add(kind, name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Planning_produces_the_reviewed_change(string kind, string name)
    {
        var golden = ManagedRouteCase.Load(kind, name);
        if (GoldenFolder.Updating)
        {
            golden = golden.Refreshed();
        }

        var produced = golden.Produce();
        var expected = ManagedRouteCase.Folder(kind).Expected(name, ManagedRouteCase.ExpectedFile, produced);

        Assert.True(expected is not null, $"{golden}: expected.json is missing; run UPDATE_GOLDEN=1 dotnet test, then review it");
        Assert.Equal(expected, produced);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Planning_again_after_the_change_is_applied_writes_nothing(string kind, string name)
    {
        var golden = ManagedRouteCase.Load(kind, name);
        var (after, refused) = golden.Apply();
        if (refused)
        {
            return; // Nothing was written, so there is nothing to replay on.
        }

        var again = golden.Call.Plan(golden.Sources, after);

        Assert.True(again is ManagedRouteChange.Nothing, $"{golden}: a second identical call would {ManagedRouteCall.Describe(again).ToJsonString()}");
    }

    public static TheoryData<string, string> ContinuingCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (kind, name) in ManagedRouteCase.All().Where(c => ManagedRouteCase.Load(c.Kind, c.Name).ExistingFrom is not null))
        {
            data.Add(kind, name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ContinuingCases))]
    public void An_existing_route_named_existingFrom_is_what_that_case_creates(string kind, string name)
    {
        var golden = ManagedRouteCase.Load(kind, name);

        Assert.Equal(golden.DerivedExisting(), JsonText.Pretty(golden.Existing!.Json));
    }

    [Fact]
    public void Every_required_case_is_there_with_its_outcome()
    {
        var present = ManagedRouteCase.All().Select(c => $"{c.Kind}/{c.Name}").ToHashSet(StringComparer.Ordinal);
        Assert.Subset(present, RequiredCases.Keys.ToHashSet(StringComparer.Ordinal));

        foreach (var (path, outcome) in RequiredCases)
        {
            var (kind, name) = (path.Split('/')[0], path.Split('/')[1]);
            var golden = ManagedRouteCase.Load(kind, name);
            // While updating, a new case's expected.json may not be written yet.
            var expected = golden.Expected ?? (GoldenFolder.Updating ? golden.Produce() : null)
                ?? throw new InvalidOperationException($"{path}: no expected.json");
            var json = JsonText.Parse(expected);
            var actual = json.TryGetProperty("change", out var change) ? change.GetString() : json.GetProperty("error").GetString();
            Assert.True(outcome == actual, $"{path}: expected.json says {actual}, the case is about {outcome}");
        }
    }

    /// <summary>Inputs are written by hand or by script: hold them to the printing of expected.json,
    /// so a diff between an existing.json and the expected.json it came from shows only what differs.</summary>
    [Fact]
    public void Every_case_file_is_printed_the_way_JsonText_prints_it()
    {
        foreach (var (kind, name) in ManagedRouteCase.All())
        {
            var folder = ManagedRouteCase.Folder(kind);
            foreach (var file in new[] { ManagedRouteCase.SourcesFile, ManagedRouteCase.ExistingFile, ManagedRouteCase.CallFile, ManagedRouteCase.ExpectedFile })
            {
                if (folder.ReadIfPresent(name, file) is { } text)
                {
                    Assert.True(JsonText.Pretty(text) == text, $"{kind}/{name}/{file} is not printed the way JsonText.Pretty prints it");
                }
            }
        }
    }
}
