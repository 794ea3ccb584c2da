using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Weights;
using static ApisixPlugin.Core.Tests.Support.TestRoutes;

namespace ApisixPlugin.Core.Tests.Weights;

/// <summary>The plugin's record of the experiment backends it added, kept in an annotation.</summary>
public sealed class AddedBackendsTests
{
    private static ApisixRouteSnapshot WithRecord(string json) =>
        Guide(metadataExtra: $$""","annotations":{"{{ApisixRouteConventions.AddedBackendsAnnotation}}":{{System.Text.Json.JsonSerializer.Serialize(json)}}}""");

    [Fact]
    public void No_annotation_reads_as_none()
    {
        Assert.True(AddedBackends.Read(Guide()).IsEmpty);
        Assert.True(AddedBackends.Read(WithRecord("")).IsEmpty);
        Assert.Empty(AddedBackends.None.For(Rule));
    }

    [Fact]
    public void The_record_round_trips_in_canonical_sorted_form()
    {
        var read = AddedBackends.Read(WithRecord("""{ "web": ["exp-b", "exp-a"], "api": ["exp-c"] }"""));

        Assert.Equal(["exp-a", "exp-b"], read.For("web").ToArray());
        Assert.Equal("""{"api":["exp-c"],"web":["exp-a","exp-b"]}""", read.ToJson());
        Assert.Equal(read.ToJson(), AddedBackends.Read(WithRecord(read.ToJson())).ToJson());
    }

    [Fact]
    public void With_replaces_a_rules_services_and_an_empty_list_drops_the_rule()
    {
        var record = AddedBackends.None.With("web", ["exp-a"]).With("api", ["exp-c"]);

        var changed = record.With("web", ["exp-z"]).With("api", []);

        Assert.Equal("""{"web":["exp-z"]}""", changed.ToJson());
        Assert.True(changed.With("web", []).IsEmpty);
        Assert.Equal("""{"api":["exp-c"],"web":["exp-a"]}""", record.ToJson());
    }
}
