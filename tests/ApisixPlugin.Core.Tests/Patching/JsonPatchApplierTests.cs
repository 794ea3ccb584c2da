using System.Text.Json.Nodes;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Tests.Support;

namespace ApisixPlugin.Core.Tests.Patching;

/// <summary>RFC 6902 as the API server applies it: the in-memory store and the golden files rely on it.</summary>
public sealed class JsonPatchApplierTests
{
    private const string Doc = """
        {"metadata":{"annotations":{"example.com/owner":"team","a~b":"tilde"}},
         "list":[1,2,3],
         "obj":{"x":1,"y":{"z":[true,null]}},
         "nothing":null}
        """;

    private static string Apply(params PatchOperation[] ops) =>
        JsonPatchApplier.Apply(JsonText.Parse(Doc), ops).GetRawText();

    private static string ApplyTo(string doc, params PatchOperation[] ops) =>
        JsonPatchApplier.Apply(JsonText.Parse(doc), ops).GetRawText();

    private static PatchOperation Op(string op, string path, string? value = null) =>
        new(Enum.Parse<PatchOp>(op, ignoreCase: true), path, value is null ? null : JsonText.Parse(value));

    [Fact]
    public void Add_creates_a_member_or_replaces_an_existing_one()
    {
        Assert.Contains("\"x\":1,\"y\":{\"z\":[true,null]},\"w\":{\"v\":2}", Apply(Op("add", "/obj/w", """{"v":2}""")), StringComparison.Ordinal);
        Assert.Contains("\"obj\":{\"x\":\"new\"", Apply(Op("add", "/obj/x", "\"new\"")), StringComparison.Ordinal);
    }

    [Fact]
    public void Add_inserts_into_arrays_at_an_index_or_at_the_end()
    {
        Assert.Contains("\"list\":[0,1,2,3]", Apply(Op("add", "/list/0", "0")), StringComparison.Ordinal);
        Assert.Contains("\"list\":[1,2,2.5,3]", Apply(Op("add", "/list/2", "2.5")), StringComparison.Ordinal);
        Assert.Contains("\"list\":[1,2,3,4]", Apply(Op("add", "/list/3", "4")), StringComparison.Ordinal);
        Assert.Contains("\"list\":[1,2,3,4]", Apply(Op("add", "/list/-", "4")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/list/4")]
    [InlineData("/list/-1")]
    [InlineData("/list/x")]
    [InlineData("/missing/member")]
    public void Add_out_of_range_or_under_a_missing_parent_fails(string path)
    {
        var e = Assert.Throws<JsonPatchException>(() => Apply(Op("add", path, "1")));

        Assert.IsNotType<JsonPatchConflictException>(e);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replace_requires_an_existing_target()
    {
        Assert.Contains("\"list\":[1,\"two\",3]", Apply(Op("replace", "/list/1", "\"two\"")), StringComparison.Ordinal);
        Assert.Contains("\"nothing\":5", Apply(Op("replace", "/nothing", "5")), StringComparison.Ordinal);
        Assert.Throws<JsonPatchException>(() => Apply(Op("replace", "/obj/absent", "1")));
        Assert.Throws<JsonPatchException>(() => Apply(Op("replace", "/list/3", "1")));
        Assert.Throws<JsonPatchException>(() => Apply(Op("replace", "/list/-", "1")));
    }

    [Fact]
    public void Remove_deletes_members_and_array_elements_and_fails_on_absent_ones()
    {
        Assert.Contains("\"obj\":{\"y\"", Apply(Op("remove", "/obj/x")), StringComparison.Ordinal);
        Assert.Contains("\"list\":[1,3]", Apply(Op("remove", "/list/1")), StringComparison.Ordinal);
        Assert.Throws<JsonPatchException>(() => Apply(Op("remove", "/obj/absent")));
        Assert.Throws<JsonPatchException>(() => Apply(Op("remove", "/list/3")));
    }

    [Fact]
    public void Reference_tokens_are_unescaped_tilde_one_before_tilde_zero()
    {
        Assert.Contains("\"example.com/owner\":\"other\"", Apply(Op("replace", "/metadata/annotations/example.com~1owner", "\"other\"")), StringComparison.Ordinal);
        Assert.Contains("\"a~b\":\"changed\"", Apply(Op("replace", "/metadata/annotations/a~0b", "\"changed\"")), StringComparison.Ordinal);
        // "~01" is "~1" literally (RFC 6901: ~1 is replaced first), not "/".
        Assert.Contains("\"~1\":true", Apply(Op("add", "/obj/~01", "true")), StringComparison.Ordinal);
        Assert.Throws<JsonPatchException>(() => Apply(Op("remove", "/metadata/annotations/example.com/owner")));
    }

    [Fact]
    public void Escape_round_trips_through_the_applier()
    {
        var key = "rollouts.apisixplugin.io/added~backends";

        var result = Apply(Op("add", $"/metadata/annotations/{PatchOperation.Escape(key)}", "\"v\""));

        Assert.Equal("rollouts.apisixplugin.io~1added~0backends", PatchOperation.Escape(key));
        Assert.Contains($"\"{key}\":\"v\"", result, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_passes_on_deep_equality_ignoring_member_order()
    {
        var unchanged = System.Text.Json.Nodes.JsonNode.Parse(Doc)!.ToJsonString();

        Assert.Equal(unchanged, Apply(Op("test", "/obj", """{"y":{"z":[true,null]},"x":1}""")));
        Assert.Equal(unchanged, Apply(Op("test", "/list/2", "3")));
        Assert.Equal(unchanged, Apply(Op("test", "/nothing", "null")));
    }

    /// <summary>
    /// The API server's JSON Patch library compares a string, number or literal by its encoded
    /// bytes against the document as Go encodes it: the same number in other text is a change, and
    /// a test value in any text is sent as Go writes it, so it matches.
    /// </summary>
    [Fact]
    public void Test_compares_scalars_by_the_bytes_Go_writes()
    {
        const string doc = """{"text":"é+","html":"<b>","obj":{"x":1}}""";
        var unchanged = JsonNode.Parse(doc)!.ToJsonString();

        Assert.Equal(unchanged, ApplyTo(doc, Op("test", "/text", "\"\u00E9\u002B\"")));
        Assert.Equal(unchanged, ApplyTo(doc, Op("test", "/html", "\"\u003Cb\u003E\"")));
        Assert.Throws<JsonPatchConflictException>(() => ApplyTo(doc, Op("test", "/obj/x", "1.0")));
    }

    [Theory]
    [InlineData("/obj", """{"x":1}""")]
    [InlineData("/list", "[1,3,2]")]
    [InlineData("/list/0", "\"1\"")]
    [InlineData("/nothing", "0")]
    [InlineData("/obj/y/z/1", "false")]
    public void A_failed_test_is_a_conflict(string path, string value)
    {
        var e = Assert.Throws<JsonPatchConflictException>(() => Apply(Op("test", path, value)));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_patch_is_all_or_nothing()
    {
        var original = JsonText.Parse(Doc);

        Assert.Throws<JsonPatchConflictException>(() => JsonPatchApplier.Apply(original,
            [Op("replace", "/obj/x", "2"), Op("test", "/list/0", "9"), Op("add", "/late", "1")]));

        Assert.Equal(JsonText.Parse(Doc).GetRawText(), original.GetRawText());
    }

    [Fact]
    public void Operations_apply_in_order_and_see_earlier_ones()
    {
        var result = Apply(Op("add", "/list/-", "4"), Op("test", "/list/3", "4"), Op("remove", "/list/0"), Op("replace", "/list/0", "\"two\""));

        Assert.Contains("\"list\":[\"two\",3,4]", result, StringComparison.Ordinal);
    }

    [Fact]
    public void The_whole_document_cannot_be_replaced()
    {
        Assert.Throws<JsonPatchException>(() => Apply(Op("replace", "", "{}")));
    }

    [Fact]
    public void The_patch_document_serialises_in_operation_order_with_values_only_where_given()
    {
        var patch = new RoutePatch("default", "r", [Op("test", "/a~1b", "[1]"), Op("remove", "/c")]);

        Assert.Equal("""[{"op":"test","path":"/a~1b","value":[1]},{"op":"remove","path":"/c"}]""", patch.ToString());
        Assert.Equal("default/r", patch.Key);
        Assert.False(patch.IsEmpty);
        Assert.True(new RoutePatch("default", "r", []).IsEmpty);
    }
}
