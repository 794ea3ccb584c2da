using System.Text.Json;
using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Testing;

namespace ApisixPlugin.GoPlugin.Tests.Gob;

/// <summary>Values decoded in a shape: the fields it names built, the others parsed and dropped.</summary>
public sealed class GobShapeTests
{
    private static readonly GobShape NothingOfStructs = GobShape.Only(ReadOnlySpan<string>.Empty);

    private static GobStreamDecoder Dump(string name) =>
        new(new MemoryStream(File.ReadAllBytes(Path.Combine(GoPeerDump.Directory, name + ".bin"))));

    [Fact]
    public void Only_the_named_fields_are_built_and_each_equals_its_whole_decoding()
    {
        var whole = Dump("netrpc-client-SetWeight-fresh");
        var shaped = Dump("netrpc-client-SetWeight-fresh");
        _ = whole.DecodeNext();
        _ = shaped.DecodeNext();
        var all = whole.DecodeNext()!;
        var some = shaped.DecodeNext(GobShape.Only(("Rollout", GobShape.Only(("ObjectMeta", GobShape.Only("Name", "Labels"))))))!;

        Assert.Equal("checkout", some.Path("Rollout", "ObjectMeta", "Name")!.AsString());
        Assert.Equal(all.Path("Rollout", "ObjectMeta", "Labels")!.ToString(), some.Path("Rollout", "ObjectMeta", "Labels")!.ToString());
        Assert.Null(some.Path("Rollout", "ObjectMeta", "Namespace"));
        Assert.Null(some.Path("Rollout", "Spec"));
        Assert.Null(some.Field("DesiredWeight"));
        Assert.Equal(["Rollout"], some.Unwrapped!.Fields.Keys);
        Assert.True(shaped.LastValueDecodedBytes < whole.LastValueDecodedBytes / 10,
            $"shaped {shaped.LastValueDecodedBytes} bytes, whole {whole.LastValueDecodedBytes}");
    }

    [Fact]
    public void AllWith_keeps_every_other_field_whole()
    {
        var whole = Dump("netrpc-client-SetWeight-fresh");
        var shaped = Dump("netrpc-client-SetWeight-fresh");
        _ = whole.DecodeNext();
        _ = shaped.DecodeNext();
        var all = whole.DecodeNext()!;
        var some = shaped.DecodeNext(GobShape.AllWith(("Rollout", GobShape.Only("TypeMeta"))))!;

        Assert.Equal(20, some.Field("DesiredWeight")!.AsInt64());
        Assert.Equal(all.Field("AdditionalDestinations")!.ToString(), some.Field("AdditionalDestinations")!.ToString());
        Assert.Equal("Rollout", some.Path("Rollout", "TypeMeta", "Kind")!.AsString());
        Assert.Null(some.Path("Rollout", "ObjectMeta"));
    }

    public static TheoryData<string> NetRpcDumps()
    {
        var data = new TheoryData<string>();
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoPeerDump.Directory, "index.json")));
        foreach (var name in index.RootElement.EnumerateArray().Select(n => n.GetString()!).Distinct().Where(n => n.StartsWith("netrpc-", StringComparison.Ordinal)))
        {
            data.Add(name);
        }
        return data;
    }

    /// <summary>
    /// Every value of Go's streams dropped (all of Go's kinds are skipped somewhere in them), and
    /// the stream stays in step: each header after a dropped body reads as it does decoded whole.
    /// </summary>
    [Theory]
    [MemberData(nameof(NetRpcDumps))]
    public void Dropped_values_leave_the_stream_in_step(string name)
    {
        var whole = Dump(name);
        var shaped = Dump(name);
        var values = 0;
        while (whole.DecodeNext() is { } header)
        {
            var shapedHeader = shaped.DecodeNext()!;
            Assert.Equal(header.ToString(), shapedHeader.ToString());
            var body = whole.DecodeNext()!;
            var dropped = shaped.DecodeNext(NothingOfStructs)!;
            Assert.Equal(body.Kind, dropped.Kind);
            values += 2;
        }
        Assert.Null(shaped.DecodeNext());
        Assert.True(values >= 2);
    }

    [Fact]
    public void Types_defined_inside_a_dropped_interface_serve_later_values()
    {
        // Outer{Inner interface; Keep int}: Inner is dropped, but its concrete type (66) is
        // defined inline there and the next top-level value is of that type.
        var bytes = new GobBytes().Message(w =>
        {
            w.WriteInt(-65);
            GobBytes.StructType(w, 65, "Outer", ("Inner", GobTypeIds.Interface), ("Keep", GobTypeIds.Int));
        }).Message(w =>
        {
            w.WriteInt(65);
            w.WriteUint(1); // field Inner
            w.WriteString("inner");
            w.WriteInt(-66);
            GobBytes.StructType(w, 66, "In", ("V", GobTypeIds.Int));
            w.WriteUint(6); // count of what follows
            w.WriteInt(66);
            w.WriteUint(3);
            w.WriteUint(1); w.WriteInt(5); w.WriteUint(0);
            w.WriteUint(1); w.WriteInt(7); // field Keep
            w.WriteUint(0);
        }).Message(w =>
        {
            w.WriteInt(66);
            w.WriteUint(1); w.WriteInt(9); w.WriteUint(0);
        });
        var decoder = new GobStreamDecoder(bytes.ToStream());
        var outer = decoder.DecodeNext(GobShape.Only("Keep"))!;
        Assert.Equal(7, outer.Field("Keep")!.AsInt64());
        Assert.Null(outer.Field("Inner"));
        Assert.Equal(9, decoder.DecodeNext()!.Field("V")!.AsInt64());
    }

    [Fact]
    public void A_dropped_field_is_checked_as_a_built_one_a_count_beyond_its_message()
    {
        // Holder{Names []string}, Names dropped, claiming more elements than bytes are left.
        var bytes = new GobBytes()
            .DefineSlice(65, "Names", GobTypeIds.String)
            .DefineStruct(66, "Holder", ("Names", 65))
            .Message(w => { w.WriteInt(66); w.WriteUint(1); w.WriteUint(1_000_000); w.WriteString("a"); w.WriteUint(0); });
        var error = Assert.Throws<GobException>(() => new GobStreamDecoder(bytes.ToStream()).DecodeNext(NothingOfStructs));
        Assert.Contains("claims 1000000 elements", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dropped_field_past_the_last_field_is_refused()
    {
        var bytes = new GobBytes()
            .DefineStruct(65, "Inner", ("A", GobTypeIds.Int))
            .DefineStruct(66, "Outer", ("In", 65))
            .Message(w => { w.WriteInt(66); w.WriteUint(1); w.WriteUint(2); w.WriteInt(1); w.WriteUint(0); w.WriteUint(0); });
        var error = Assert.Throws<GobException>(() => new GobStreamDecoder(bytes.ToStream()).DecodeNext(NothingOfStructs));
        Assert.Contains("field delta 2 runs past the 1 fields of struct Inner", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dropped_value_ten_thousand_deep_stops_at_the_depth_limit()
    {
        // Holder{Deep S} with type S []S: the dropped field nests 10,000 levels.
        var bytes = new GobBytes()
            .DefineSlice(65, "S", 65)
            .DefineStruct(66, "Holder", ("Deep", 65))
            .Message(w =>
            {
                w.WriteInt(66);
                w.WriteUint(1);
                for (var i = 0; i < 10_000; i++)
                {
                    w.WriteUint(1);
                }
                w.WriteUint(0);
                w.WriteUint(0);
            });
        var error = Assert.Throws<GobException>(() => new GobStreamDecoder(bytes.ToStream()).DecodeNext(NothingOfStructs));
        Assert.Contains("nested deeper than 100", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dropped_string_longer_than_its_message_is_refused()
    {
        var bytes = new GobBytes()
            .DefineStruct(65, "S", ("Text", GobTypeIds.String))
            .Message(w => { w.WriteInt(65); w.WriteUint(1); w.WriteUint(500); w.WriteUint(0); });
        var error = Assert.Throws<GobException>(() => new GobStreamDecoder(bytes.ToStream()).DecodeNext(NothingOfStructs));
        Assert.Contains("string length 500 exceeds", error.Message, StringComparison.Ordinal);
    }
}
