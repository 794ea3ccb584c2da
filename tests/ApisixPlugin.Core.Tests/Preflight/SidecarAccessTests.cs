using ApisixPlugin.Core.Preflight;
using ApisixPlugin.Core.Tests.Support;

namespace ApisixPlugin.Core.Tests.Preflight;

/// <summary>The permissions the sidecar needs for a Rollout, and how a denied one is reported.</summary>
public sealed class SidecarAccessTests
{
    [Fact]
    public void Routes_verbs_are_needed_where_the_routes_are_and_events_where_the_rollout_is()
    {
        var rollout = SetWeightCall.DemoRollout("""{"routes":[{"name":"a"},{"name":"b","namespace":"team-b"}]}""") with { ManagedRoutes = ["h"] };
        var config = Configuration.PluginConfigurationParser.Parse(rollout.PluginName, rollout.PluginConfigJson, rollout.Namespace);

        var needs = SidecarAccess.For(rollout, config);

        Assert.Equal(
            ["default get apisixroutes.apisix.apache.org", "default patch apisixroutes.apisix.apache.org", "default create apisixroutes.apisix.apache.org",
             "default delete apisixroutes.apisix.apache.org", "team-b get apisixroutes.apisix.apache.org", "team-b patch apisixroutes.apisix.apache.org",
             "team-b create apisixroutes.apisix.apache.org", "team-b delete apisixroutes.apisix.apache.org", "default create events"],
            needs.Select(n => $"{n.Namespace} {n.Verb} {n.QualifiedResource}"));
        Assert.All(needs.Where(n => n.Resource == "apisixroutes"), n => Assert.Equal(FindingStatus.Fail, n.IfDenied));
        Assert.Equal(FindingStatus.Warn, needs.Single(n => n.Resource == "events").IfDenied);
    }

    [Fact]
    public void Without_managed_routes_create_and_delete_only_warn()
    {
        var needs = SidecarAccess.For(["shop"], "shop", hasManagedRoutes: false);

        Assert.Equal([FindingStatus.Fail, FindingStatus.Fail, FindingStatus.Warn, FindingStatus.Warn, FindingStatus.Warn], needs.Select(n => n.IfDenied));
    }

    [Fact]
    public void Allowed_permissions_are_one_pass_per_namespace_and_each_denied_one_its_own_finding()
    {
        var needs = SidecarAccess.For(["shop"], "shop", hasManagedRoutes: true);
        var answered = needs.Select(n => (n, new AccessAnswer(n.Verb != "delete"))).ToList();

        var findings = SidecarAccess.Findings(answered);

        Assert.Equal(2, findings.Count);
        Assert.Equal(FindingStatus.Pass, findings[0].Status);
        Assert.Equal("may get, patch, create apisixroutes.apisix.apache.org; create events in namespace shop", findings[0].Message);
        Assert.Equal(FindingStatus.Fail, findings[1].Status);
        Assert.StartsWith("may not delete apisixroutes.apisix.apache.org in namespace shop (managed routes are deleted at the end of a rollout)", findings[1].Message, StringComparison.Ordinal);
    }
}
