using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Tests.Support;

namespace ApisixPlugin.Core.Tests.GoldenFiles;

/// <summary>
/// SetWeight on real-looking ApisixRoutes, checked against reviewed files (Golden/SetWeight).
/// Every case folder is a test case; the list below only guards against one going missing.
/// </summary>
public sealed class SetWeightGoldenTests
{
    /// <summary>The situations the golden files must keep covering.</summary>
    private static readonly string[] RequiredCases =
    [
        "guide-weight-0",
        "guide-weight-20",
        "guide-weight-100",
        "multiple-rules-some-configured",
        "multiple-rules-experiment",
        "foreign-backend-keeps-weight",
        "experiment-1-added",
        "experiment-2-changed",
        "experiment-3-one-removed",
        "experiment-4-all-removed",
        "experiment-named-port",
        "max-traffic-weight-1000",
        "weight-omitted",
        "unknown-fields-carried-through",
        "already-at-split",
    ];

    public static TheoryData<string> Cases() => new(GoldenCase.Names());

    public static TheoryData<string> ContinuingCases() =>
        new(GoldenCase.Names().Where(n => GoldenCase.Load(n).Continues is not null));

    [Theory]
    [MemberData(nameof(Cases))]
    public void SetWeight_produces_the_reviewed_patch_and_route(string name)
    {
        var golden = GoldenCase.Load(name);
        var (patch, route) = golden.Produce();
        if (GoldenCase.Updating)
        {
            golden.Write(patch, route);
            golden = GoldenCase.Load(name);
        }

        Assert.True(golden.ExpectedPatch is not null && golden.ExpectedRoute is not null,
            $"{name}: expected files are missing; run UPDATE_GOLDEN=1 dotnet test, then review them");
        Assert.Equal(golden.ExpectedPatch, patch);
        Assert.Equal(golden.ExpectedRoute, route);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Replaying_the_call_on_the_expected_route_writes_nothing(string name)
    {
        var golden = GoldenCase.Load(name);
        // While updating, a new case's expected route may not be written yet.
        var expected = golden.ExpectedRoute ?? (GoldenCase.Updating ? golden.Produce().Route : null);
        var after = ApisixRouteSnapshot.Parse(expected ?? throw new InvalidOperationException($"{name}: no expected route"));

        var again = golden.Call.Plan(after);

        Assert.True(again.IsEmpty, $"{name}: second identical call would write {again}");
    }

    [Theory]
    [MemberData(nameof(ContinuingCases))]
    public void A_continuing_case_starts_from_its_predecessors_result(string name)
    {
        var golden = GoldenCase.Load(name);

        Assert.Equal(GoldenCase.Load(golden.Continues!).ExpectedRoute, JsonText.Pretty(golden.RouteJson));
    }

    [Fact]
    public void Every_required_case_has_its_four_files()
    {
        foreach (var name in RequiredCases)
        {
            var golden = GoldenCase.Load(name);
            Assert.NotNull(golden.ExpectedPatch);
            Assert.NotNull(golden.ExpectedRoute);
        }

        Assert.Subset(GoldenCase.Names().ToHashSet(), RequiredCases.ToHashSet());
    }

    [Fact]
    public void Already_at_split_writes_nothing_and_other_cases_do()
    {
        foreach (var name in GoldenCase.Names())
        {
            var golden = GoldenCase.Load(name);
            var empty = JsonText.Pretty(golden.ExpectedPatch!) == "[]\n";
            Assert.True(empty == (name == "already-at-split"), $"{name}: expected patch empty = {empty}");
        }

        var unchanged = GoldenCase.Load("already-at-split");
        Assert.Equal(JsonText.Pretty(unchanged.RouteJson), unchanged.ExpectedRoute);
    }
}
