using ApisixPlugin.Core.GitOps;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Tests.GitOps;

/// <summary>The in-progress label's operations: only its own key, guarded where a whole map is written.</summary>
public sealed class InProgressLabelTests
{
    private static RolloutContext Rollout(string name = "web") => new("shop", name, "uid", "c", "s", [], "apisixplugin/apisix", "{}");

    private static ApisixRouteSnapshot Route(string labels) =>
        ApisixRouteSnapshot.Parse("""{"metadata": {"name": "r", "namespace": "shop", "resourceVersion": "42" """ + labels + "}}");

    private static string[] Ops(IEnumerable<PatchOperation> ops) => [.. ops.Select(o => $"{o.OpName} {o.Path} {o.Value?.GetRawText()}".TrimEnd())];

    [Fact]
    public void Added_to_an_existing_label_map_as_one_key_guarded_by_the_resourceVersion()
    {
        var ops = InProgressLabel.Default.Plan(Route(""", "labels": {"app": "web"}"""), Rollout(), inProgress: true);

        Assert.Equal(["test /metadata/resourceVersion \"42\"", "add /metadata/labels/rollouts.apisixplugin.io~1in-progress \"web\""], Ops(ops));
    }

    [Fact]
    public void An_empty_value_under_the_key_is_no_ones_marker()
    {
        var ops = InProgressLabel.Default.Plan(Route(""", "labels": {"rollouts.apisixplugin.io/in-progress": ""}"""), Rollout(), inProgress: true);

        Assert.Equal("add /metadata/labels/rollouts.apisixplugin.io~1in-progress \"web\"", Ops(ops)[1]);
    }

    [Fact]
    public void Rollouts_of_one_name_in_two_namespaces_mark_a_shared_route_differently()
    {
        var a = InProgressLabel.ValueFor(new RolloutContext("a", "web", "u1", "c", "s", [], "p/p", "{}"), "shared");
        var c = InProgressLabel.ValueFor(new RolloutContext("c", "web", "u2", "c", "s", [], "p/p", "{}"), "shared");

        Assert.NotEqual(a, c);
        Assert.StartsWith("web-", a, StringComparison.Ordinal);
        Assert.Equal("web", InProgressLabel.ValueFor(new RolloutContext("shared", "web", "u3", "c", "s", [], "p/p", "{}"), "shared"));
    }

    [Fact]
    public void A_route_without_labels_gets_the_map_guarded_by_its_resourceVersion()
    {
        var ops = InProgressLabel.Default.Plan(Route(""), Rollout(), inProgress: true);

        Assert.Equal(["test /metadata/resourceVersion \"42\"", "add /metadata/labels {\"rollouts.apisixplugin.io/in-progress\":\"web\"}"], Ops(ops));
    }

    [Fact]
    public void Removed_only_when_it_is_this_Rollouts_guarded_by_its_value()
    {
        var mine = InProgressLabel.Default.Plan(Route(""", "labels": {"rollouts.apisixplugin.io/in-progress": "web"}"""), Rollout(), inProgress: false);
        var theirs = InProgressLabel.Default.Plan(Route(""", "labels": {"rollouts.apisixplugin.io/in-progress": "checkout"}"""), Rollout(), inProgress: false);

        Assert.Equal(["test /metadata/labels/rollouts.apisixplugin.io~1in-progress \"web\"", "remove /metadata/labels/rollouts.apisixplugin.io~1in-progress"], Ops(mine));
        Assert.Empty(theirs);
    }

    [Fact]
    public void Nothing_when_already_as_wanted_or_turned_off()
    {
        Assert.Empty(InProgressLabel.Default.Plan(Route(""", "labels": {"rollouts.apisixplugin.io/in-progress": "web"}"""), Rollout(), inProgress: true));
        Assert.Empty(InProgressLabel.Default.Plan(Route(""), Rollout(), inProgress: false));
        Assert.Empty(InProgressLabel.Off.Plan(Route(""), Rollout(), inProgress: true));
    }

    [Fact]
    public void A_name_too_long_for_a_label_value_is_cut_and_hashed_so_two_long_names_still_differ()
    {
        var a = InProgressLabel.ValueFor(Rollout(new string('a', 70) + "-one"), "shop");
        var b = InProgressLabel.ValueFor(Rollout(new string('a', 70) + "-two"), "shop");

        Assert.True(a.Length <= 63, a);
        Assert.Matches("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", a);
        Assert.NotEqual(a, b);
        Assert.Equal("web", InProgressLabel.ValueFor(Rollout("web"), "shop"));
    }
}
