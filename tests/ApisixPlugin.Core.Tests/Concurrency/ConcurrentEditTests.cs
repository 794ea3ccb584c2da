using System.Text.Json.Nodes;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Tests.Support;
using static ApisixPlugin.Core.Tests.Support.TestRoutes;

namespace ApisixPlugin.Core.Tests.Concurrency;

/// <summary>
/// Someone edits the route between the plugin's read and its write. The planned patch must then
/// either keep the other edit or fail as a conflict (and be re-planned); it must never undo it.
/// </summary>
public sealed class ConcurrentEditTests
{
    private static readonly SetWeightCall ExperimentStep = Call(20, additional: [("exp-a", 10)]);

    /// <summary>Plans on <paramref name="read"/>, lets <paramref name="edit"/> change the stored
    /// route (the API server gives every write a new resourceVersion), then applies the patch to
    /// the edited route, as the API server would.</summary>
    private static JsonNode WriteAfter(ApisixRouteSnapshot read, SetWeightCall call, Action<JsonNode> edit)
    {
        var patch = call.Plan(read);
        Assert.False(patch.IsEmpty);
        var stored = JsonNode.Parse(read.Json.GetRawText())!;
        edit(stored);
        stored["metadata"]!["resourceVersion"] = $"{long.Parse(read.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture) + 1}";
        return JsonNode.Parse(JsonPatchApplier.Apply(JsonText.Parse(stored.ToJsonString()), patch.Operations).GetRawText())!;
    }

    [Fact]
    public void A_label_added_meanwhile_survives()
    {
        var result = WriteAfter(Guide(), Call(20), r => r["metadata"]!["labels"] = new JsonObject { ["team"] = "shop" });

        Assert.Equal("shop", result["metadata"]!["labels"]!["team"]!.GetValue<string>());
        Assert.Equal(80, result["spec"]!["http"]![0]!["backends"]![0]!["weight"]!.GetValue<int>());
    }

    [Fact]
    public void An_edit_of_another_rule_survives()
    {
        var route = Route([HttpRule(Rule, Backend(Stable, 100), Backend(Canary, 0)), HttpRule("static", Backend(Stable, 100))]);

        var result = WriteAfter(route, Call(30), r => r["spec"]!["http"]![1]!["backends"]![0]!["weight"] = 7);

        Assert.Equal(7, result["spec"]!["http"]![1]!["backends"]![0]!["weight"]!.GetValue<int>());
        Assert.Equal(30, result["spec"]!["http"]![0]!["backends"]![1]!["weight"]!.GetValue<int>());
    }

    /// <summary>
    /// The record is guarded by the resourceVersion read, so any edit meanwhile makes the write
    /// a conflict (re-read and re-planned) rather than a write over the other edit.
    /// </summary>
    [Fact]
    public void Another_annotation_added_meanwhile_makes_a_record_change_a_conflict()
    {
        var route = Guide(metadataExtra: ""","annotations":{"example.com/owner":"team"}""");

        Assert.Throws<JsonPatchConflictException>(() =>
            WriteAfter(route, ExperimentStep, r => r["metadata"]!["annotations"]!["example.com/reviewed"] = "yes"));
    }

    /// <summary>
    /// The route had no annotations when it was read, so the plan adds the whole
    /// <c>/metadata/annotations</c> map; nothing in the patch guards that it is still absent, so an
    /// annotation someone added meanwhile is overwritten.
    /// </summary>
    [Fact]
    public void An_annotation_added_meanwhile_to_a_route_without_annotations_is_not_lost()
    {
        JsonNode? result = null;
        var conflict = Record.Exception(() =>
            result = WriteAfter(Guide(), ExperimentStep, r => r["metadata"]!["annotations"] = new JsonObject { ["example.com/reviewed"] = "yes" }));

        if (conflict is null)
        {
            Assert.Equal("yes", result!["metadata"]!["annotations"]!["example.com/reviewed"]?.GetValue<string>());
        }
        else
        {
            Assert.IsType<JsonPatchConflictException>(conflict);
        }
    }

    [Fact]
    public void A_rule_inserted_before_the_configured_one_is_a_conflict()
    {
        Assert.Throws<JsonPatchConflictException>(() => WriteAfter(Guide(), Call(30),
            r => r["spec"]!["http"]!.AsArray().Insert(0, JsonNode.Parse(HttpRule("new-first", Backend("x", 1))))));
    }

    /// <summary>
    /// The configured rule moved up because a rule before it was deleted: the tested path
    /// /spec/http/1/name no longer exists. That is the route having changed since it was read, so
    /// it must be a conflict (re-read, re-plan), not an error the caller cannot tell from a bug.
    /// </summary>
    [Fact]
    public void A_rule_deleted_meanwhile_before_the_configured_one_is_a_conflict()
    {
        var route = Route([HttpRule("first", Backend("x", 1)), HttpRule(Rule, Backend(Stable, 100), Backend(Canary, 0))]);

        Assert.Throws<JsonPatchConflictException>(() => WriteAfter(route, Call(30), r => r["spec"]!["http"]!.AsArray().RemoveAt(0)));
    }

    [Fact]
    public void A_weight_changed_meanwhile_in_the_configured_rule_is_a_conflict()
    {
        Assert.Throws<JsonPatchConflictException>(() => WriteAfter(Guide(), Call(30),
            r => r["spec"]!["http"]![0]!["backends"]![1]!["weight"] = 5));
    }

    /// <summary>
    /// Two Rollouts steer different rules of one route and both start an experiment: both read the
    /// route before either writes. The second write, planned from a record without the first's
    /// entry, must not land, or that experiment backend is never removed again.
    /// </summary>
    [Fact]
    public void Two_Rollouts_recording_experiments_on_one_route_at_once_lose_no_entry()
    {
        var read = Route([HttpRule("rule-a", Backend(Stable, 100), Backend(Canary, 0)), HttpRule("rule-b", Backend(Stable, 100), Backend(Canary, 0))]);
        var first = Call(20, Config("rule-a"), additional: [("exp-a", 10)]);
        var second = Call(20, Config("rule-b"), additional: [("exp-b", 10)]);

        var afterFirst = Stored(read, first.Plan(read));

        Assert.Throws<JsonPatchConflictException>(() => Stored(afterFirst, second.Plan(read)));
        var afterBoth = Stored(afterFirst, second.Plan(afterFirst));
        var record = Core.Weights.AddedBackends.Read(afterBoth);
        Assert.Equal(["exp-a"], record.For("rule-a"));
        Assert.Equal(["exp-b"], record.For("rule-b"));
    }

    [Fact]
    public void Removing_the_last_entry_of_the_record_is_guarded_too()
    {
        var route = Route([HttpRule("rule-a", Backend(Stable, 90), Backend(Canary, 0), Backend("exp-a", 10)), HttpRule("rule-b", Backend(Stable, 100), Backend(Canary, 0))],
            metadataExtra: $$""","annotations":{"{{ApisixRouteConventions.AddedBackendsAnnotation}}":"{\"rule-a\":[\"exp-a\"]}"}""");
        var ends = Call(0, Config("rule-a"));
        var starts = Call(20, Config("rule-b"), additional: [("exp-b", 10)]);

        var afterStart = Stored(route, starts.Plan(route));

        Assert.Throws<JsonPatchConflictException>(() => Stored(afterStart, ends.Plan(route)));
    }

    /// <summary>The patch applied as the API server applies it: the result gets a new resourceVersion.</summary>
    private static ApisixRouteSnapshot Stored(ApisixRouteSnapshot current, RoutePatch patch)
    {
        var after = JsonNode.Parse(JsonPatchApplier.Apply(current.Json, patch.Operations).GetRawText())!;
        after["metadata"]!["resourceVersion"] = $"{long.Parse(current.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture) + 1}";
        return ApisixRouteSnapshot.Parse(after.ToJsonString());
    }
}
