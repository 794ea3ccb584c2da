using System.Text.Json;
using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Testing;

namespace ApisixPlugin.GoPlugin.Tests.Gob;

/// <summary>Values decoded in a shape: the fields it names built, the others parsed and dropped.</summary>
public sealed class GobShapeTests
{
    private static readonly GobShape NothingOfStructs = GobShape.Only(ReadOnlySpan<string>.Empty);

    /// <summary>Decodes one value with every struct field dropped; it must be refused.</summary>
    private static GobException DroppingFails(GobBytes bytes) =>
        Assert.Throws<GobException>(() => new GobStreamDecoder(bytes.ToStream()).DecodeNext(NothingOfStructs));

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
    /// Every struct field of Go's request arguments dropped, and each dropped value still reads
    /// its message to the last byte, as the whole decoding does; so the next header reads the same.
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
            Assert.Equal(0, whole.LastValueUnreadBytes);
            Assert.Equal(0, shaped.LastValueUnreadBytes);
            _ = whole.DecodeNext()!;
            _ = shaped.DecodeNext(NothingOfStructs)!;
            Assert.Equal(0, whole.LastValueUnreadBytes);
            Assert.Equal(0, shaped.LastValueUnreadBytes);
            values += 2;
        }
        Assert.Null(shaped.DecodeNext());
        Assert.True(values >= 2);
    }

    /// <summary>
    /// One field of every wire kind, each dropped, with a kept field after it that must still read
    /// right: a skip that read a byte too few or too many would shift it. The whole decoding of the
    /// same bytes is the check that they are what each kind looks like.
    /// </summary>
    [Fact]
    public void Every_wire_kind_is_dropped_and_the_field_after_it_still_reads()
    {
        var kinds = new (string Name, int TypeId, Action<GobWriter> Value)[]
        {
            ("Bool", GobTypeIds.Bool, w => w.WriteUint(1)),
            ("Int", GobTypeIds.Int, w => w.WriteInt(-300)),
            ("Uint", GobTypeIds.Uint, w => w.WriteUint(70000)),
            ("Float", GobTypeIds.Float, w => w.WriteUint(0x3140)),
            ("Complex", GobTypeIds.Complex, w => { w.WriteUint(0x3140); w.WriteUint(0xF03F); }),
            ("Bytes", GobTypeIds.Bytes, w => { w.WriteUint(3); w.WriteUint(1); w.WriteUint(2); w.WriteUint(3); }),
            ("String", GobTypeIds.String, w => w.WriteString("hello")),
            ("Array", 66, w => { w.WriteUint(2); w.WriteInt(1); w.WriteInt(-2); }),
            ("Slice", 67, w => { w.WriteUint(2); w.WriteString("a"); w.WriteString("b"); }),
            ("Map", 68, w => { w.WriteUint(1); w.WriteString("app"); w.WriteString("web"); }),
            ("Encoded", 69, w => { w.WriteUint(2); w.WriteUint(0x2A); w.WriteUint(0x55); }),
            ("Inner", 70, w => { w.WriteUint(1); w.WriteInt(5); w.WriteUint(0); }),
            ("NilInterface", GobTypeIds.Interface, w => w.WriteUint(0)),
            // An interface holding an int: name, the concrete id, the value's byte count, a zero
            // singleton delta, the value.
            ("IntInterface", GobTypeIds.Interface, w => { w.WriteString("int"); w.WriteInt(GobTypeIds.Int); w.WriteUint(2); w.WriteUint(0); w.WriteInt(9); }),
            ("StructInterface", GobTypeIds.Interface, w => { w.WriteString("inner"); w.WriteInt(70); w.WriteUint(3); w.WriteUint(1); w.WriteInt(6); w.WriteUint(0); }),
        };
        foreach (var (name, typeId, value) in kinds)
        {
            var bytes = new GobBytes()
                .DefineArray(66, "", GobTypeIds.Int, 2)
                .DefineSlice(67, "", GobTypeIds.String)
                .DefineMap(68, "", GobTypeIds.String, GobTypeIds.String)
                .DefineGobEncoder(69, "Time")
                .DefineStruct(70, "Inner", ("V", GobTypeIds.Int))
                .DefineStruct(65, "Holder", (name, typeId), ("Keep", GobTypeIds.Int))
                .Message(w =>
                {
                    w.WriteInt(65);
                    w.WriteUint(1);
                    value(w);
                    w.WriteUint(1);
                    w.WriteInt(77);
                    w.WriteUint(0);
                });
            var whole = new GobStreamDecoder(bytes.ToStream());
            Assert.True(whole.DecodeNext()!.Field(name) is not null || name == "NilInterface", name);
            Assert.Equal(0, whole.LastValueUnreadBytes);
            var shaped = new GobStreamDecoder(bytes.ToStream());
            var kept = shaped.DecodeNext(GobShape.Only("Keep"))!;
            Assert.Equal((name, 77L), (name, kept.Field("Keep")!.AsInt64()));
            Assert.Null(kept.Field(name));
            Assert.Equal((name, 0), (name, shaped.LastValueUnreadBytes));
        }
    }

    [Fact]
    public void A_dropped_interface_whose_definitions_come_in_further_messages_pulls_them()
    {
        // Outer{In interface; Keep int}: Go's encoder flushes the message at the interface's
        // first use, sends the definition as its own message, and the value goes on in the next.
        var bytes = new GobBytes()
            .DefineStruct(65, "Outer", ("In", GobTypeIds.Interface), ("Keep", GobTypeIds.Int))
            .Message(w => { w.WriteInt(65); w.WriteUint(1); w.WriteString("main.In"); })
            .DefineStruct(70, "In", ("V", GobTypeIds.Int))
            .Message(w =>
            {
                w.WriteInt(70);
                w.WriteUint(3);
                w.WriteUint(1); w.WriteInt(5); w.WriteUint(0);
                w.WriteUint(1); w.WriteInt(7);
                w.WriteUint(0);
            })
            .Message(w => { w.WriteInt(70); w.WriteUint(1); w.WriteInt(9); w.WriteUint(0); });
        var decoder = new GobStreamDecoder(bytes.ToStream());
        var outer = decoder.DecodeNext(GobShape.Only("Keep"))!;
        Assert.Equal(7, outer.Field("Keep")!.AsInt64());
        Assert.Equal(0, decoder.LastValueUnreadBytes);
        Assert.Equal(9, decoder.DecodeNext()!.Field("V")!.AsInt64());
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
        var error = DroppingFails(bytes);
        Assert.Contains("claims 1000000 elements", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dropped_field_past_the_last_field_is_refused()
    {
        var bytes = new GobBytes()
            .DefineStruct(65, "Inner", ("A", GobTypeIds.Int))
            .DefineStruct(66, "Outer", ("In", 65))
            .Message(w => { w.WriteInt(66); w.WriteUint(1); w.WriteUint(2); w.WriteInt(1); w.WriteUint(0); w.WriteUint(0); });
        var error = DroppingFails(bytes);
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
        var error = DroppingFails(bytes);
        Assert.Contains("nested deeper than 100", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dropped_string_longer_than_its_message_is_refused()
    {
        var bytes = new GobBytes()
            .DefineStruct(65, "S", ("Text", GobTypeIds.String))
            .Message(w => { w.WriteInt(65); w.WriteUint(1); w.WriteUint(500); w.WriteUint(0); });
        var error = DroppingFails(bytes);
        Assert.Contains("string length 500 exceeds", error.Message, StringComparison.Ordinal);
    }
}
