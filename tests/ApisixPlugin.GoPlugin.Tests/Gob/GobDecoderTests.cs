using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Testing;

namespace ApisixPlugin.GoPlugin.Tests.Gob;

/// <summary>The generic decoder: values built from whatever definitions the sender chose.</summary>
public sealed class GobDecoderTests
{
    [Fact]
    public void Struct_fields_are_matched_by_name_whatever_ids_the_sender_picked()
    {
        // Same Go type, two senders: different ids and field order; the decoded tree is the same.
        var a = new GobBytes()
            .DefineStruct(65, "T", ("Name", GobTypeIds.String), ("Count", GobTypeIds.Int))
            .Message(w => { w.WriteInt(65); w.WriteUint(1); w.WriteString("x"); w.WriteUint(1); w.WriteInt(-7); w.WriteUint(0); });
        var b = new GobBytes()
            .DefineStruct(300, "T", ("Count", GobTypeIds.Int), ("Name", GobTypeIds.String))
            .Message(w => { w.WriteInt(300); w.WriteUint(1); w.WriteInt(-7); w.WriteUint(1); w.WriteString("x"); w.WriteUint(0); });
        foreach (var bytes in new[] { a, b })
        {
            var value = new GobStreamDecoder(bytes.ToStream()).DecodeNext()!;
            Assert.Equal("x", value.Field("Name")!.AsString());
            Assert.Equal(-7, value.Field("Count")!.AsInt64());
        }
    }

    [Fact]
    public void A_string_keeps_the_bytes_it_came_in_and_reads_as_UTF8_text()
    {
        // Go strings may hold any bytes, and 0xff is not UTF-8: the bytes pass through exactly,
        // and the text replaces what is not UTF-8, as decoding it at once did.
        var bytes = new GobBytes()
            .DefineStruct(65, "T", ("Raw", GobTypeIds.String), ("Name", GobTypeIds.String))
            .Message(w =>
            {
                w.WriteInt(65);
                w.WriteUint(1); w.WriteUint(2); w.WriteUint(0xff); // length 2, then the bytes ff ff
                w.WriteUint(1); w.WriteString("héllo");
                w.WriteUint(0);
            });

        var value = new GobStreamDecoder(bytes.ToStream()).DecodeNext()!;

        Assert.Equal(new byte[] { 0xff, 0xff }, value.Field("Raw")!.AsBytes());
        Assert.Equal("\ufffd\ufffd", value.Field("Raw")!.AsString());
        Assert.Equal("héllo", value.Field("Name")!.AsString());
        Assert.Equal("héllo"u8.ToArray(), value.Field("Name")!.AsBytes());
    }

    [Fact]
    public void Omitted_zero_fields_read_as_zero_values()
    {
        var bytes = new GobBytes()
            .DefineStruct(65, "T", ("A", GobTypeIds.String), ("B", GobTypeIds.Int), ("C", GobTypeIds.Bool))
            .Message(w => { w.WriteInt(65); w.WriteUint(2); w.WriteInt(4); w.WriteUint(0); });
        var value = new GobStreamDecoder(bytes.ToStream()).DecodeNext()!;
        Assert.Null(value.Field("A"));
        Assert.Equal("", value.Field("A")?.AsString() ?? "");
        Assert.Equal(4, value.Field("B")!.AsInt64());
        Assert.False(value.Field("C")?.AsBool() ?? false);
    }

    [Fact]
    public void Slices_maps_arrays_floats_bytes_and_gob_encoders()
    {
        var bytes = new GobBytes()
            .DefineStruct(65, "All", ("Names", 66), ("Labels", 67), ("Pair", 68), ("F", GobTypeIds.Float), ("Raw", GobTypeIds.Bytes), ("When", 69))
            .DefineSlice(66, "", GobTypeIds.String)
            .DefineMap(67, "", GobTypeIds.String, GobTypeIds.String)
            .DefineArray(68, "", GobTypeIds.Int, 2)
            .DefineGobEncoder(69, "Time")
            .Message(w =>
            {
                w.WriteInt(65);
                w.WriteUint(1); w.WriteUint(2); w.WriteString("a"); w.WriteString("b");
                w.WriteUint(1); w.WriteUint(1); w.WriteString("app"); w.WriteString("web");
                w.WriteUint(1); w.WriteUint(2); w.WriteInt(1); w.WriteInt(-2);
                w.WriteUint(1); w.WriteUint(0x3140); // 17.0
                w.WriteUint(1); w.WriteUint(3); w.WriteUint(1); w.WriteUint(2); w.WriteUint(3);
                w.WriteUint(1); w.WriteUint(2); w.WriteUint(0x2A); w.WriteUint(0x55);
                w.WriteUint(0);
            });
        var value = new GobStreamDecoder(bytes.ToStream()).DecodeNext()!;
        Assert.Equal(["a", "b"], value.Field("Names")!.AsList().Select(v => v.AsString()));
        var label = Assert.Single(value.Field("Labels")!.AsMap());
        Assert.Equal(("app", "web"), (label.Key.AsString(), label.Value.AsString()));
        Assert.Equal([1L, -2L], value.Field("Pair")!.AsList().Select(v => v.AsInt64()));
        Assert.Equal(17.0, value.Field("F")!.Float);
        Assert.Equal([1, 2, 3], value.Field("Raw")!.AsBytes());
        Assert.Equal(GobKind.Encoded, value.Field("When")!.Kind);
    }

    [Fact]
    public void Nil_interface_argument_is_03_10_00_00()
    {
        var value = new GobStreamDecoder(new MemoryStream(GobBytes.Hex("03100000"))).DecodeNext()!;
        Assert.Equal(GobKind.Interface, value.Kind);
        Assert.Null(value.Concrete);
    }

    [Fact]
    public void Ping_argument_is_bool_true()
    {
        var value = new GobStreamDecoder(new MemoryStream(GobBytes.Hex("03020001"))).DecodeNext()!;
        Assert.True(value.AsBool());
    }

    [Fact]
    public void Interface_definitions_spread_over_several_messages_are_pulled_mid_value()
    {
        // What Go's encoder does on the first use of a type inside an interface: the message
        // being built is flushed with the first definition, later definitions follow as their
        // own messages, and the concrete id and value come in the last one.
        var bytes = new GobBytes()
            .Message(w =>
            {
                w.WriteInt(GobTypeIds.Interface);
                w.WriteUint(0);
                w.WriteString("main.Args");
                w.WriteInt(-70);
                GobBytes.StructType(w, 70, "Args", ("Rollout", 71), ("DesiredWeight", GobTypeIds.Int));
            })
            .DefineStruct(71, "Rollout", ("ObjectMeta", 72))
            .DefineStruct(72, "ObjectMeta", ("Name", GobTypeIds.String))
            .Message(w =>
            {
                w.WriteInt(70);
                w.WriteUint(9); // value byte count: informational
                w.WriteUint(1); w.WriteUint(1); w.WriteUint(1); w.WriteString("web"); w.WriteUint(0); w.WriteUint(0);
                w.WriteUint(1); w.WriteInt(30);
                w.WriteUint(0);
            })
            .Message(w => { w.WriteInt(GobTypeIds.String); w.WriteUint(0); w.WriteString("next"); });
        var decoder = new GobStreamDecoder(bytes.ToStream());
        var value = decoder.DecodeNext()!;
        Assert.Equal("main.Args", value.TypeName);
        Assert.Equal("web", value.Path("Rollout", "ObjectMeta", "Name")!.AsString());
        Assert.Equal(30, value.Field("DesiredWeight")!.AsInt64());
        Assert.Equal("next", decoder.DecodeNext()!.AsString());
    }

    [Fact]
    public void Nested_interface_definitions_inside_a_value_skip_the_delimiter_count()
    {
        // An interface inside an interface's value: its definition sits inline in the outer
        // value, followed by the count of the delimited remainder, which the decoder skips.
        var bytes = new GobBytes().Message(w =>
        {
            w.WriteInt(GobTypeIds.Interface);
            w.WriteUint(0);
            w.WriteString("outer");
            w.WriteInt(-65);
            GobBytes.StructType(w, 65, "Outer", ("Inner", GobTypeIds.Interface));
        }).Message(w =>
        {
            w.WriteInt(65);
            w.WriteUint(20);
            w.WriteUint(1); // field Inner
            w.WriteString("inner");
            w.WriteInt(-66);
            GobBytes.StructType(w, 66, "In", ("V", GobTypeIds.Int));
            w.WriteUint(6); // count of what follows
            w.WriteInt(66);
            w.WriteUint(3);
            w.WriteUint(1); w.WriteInt(5); w.WriteUint(0);
            w.WriteUint(0);
        });
        var value = new GobStreamDecoder(bytes.ToStream()).DecodeNext()!;
        Assert.Equal(5, value.Path("Inner", "V")!.AsInt64());
        Assert.Equal("inner", value.Field("Inner")!.TypeName);
    }

    [Fact]
    public void Recursive_and_forward_definitions_resolve_lazily()
    {
        // type Node struct { Value int; Next *Node; Kids []Node } — defined before its slice type.
        var bytes = new GobBytes()
            .DefineStruct(65, "Node", ("Value", GobTypeIds.Int), ("Next", 65), ("Kids", 66))
            .DefineSlice(66, "", 65)
            .Message(w =>
            {
                w.WriteInt(65);
                w.WriteUint(1); w.WriteInt(1);
                w.WriteUint(1); w.WriteUint(1); w.WriteInt(2); w.WriteUint(0);
                w.WriteUint(1); w.WriteUint(1); w.WriteUint(1); w.WriteInt(3); w.WriteUint(0);
                w.WriteUint(0);
            });
        var value = new GobStreamDecoder(bytes.ToStream()).DecodeNext()!;
        Assert.Equal(2, value.Path("Next", "Value")!.AsInt64());
        Assert.Equal(3, Assert.Single(value.Field("Kids")!.AsList()).Field("Value")!.AsInt64());
    }

    [Fact]
    public void A_clean_end_of_stream_between_messages_is_null()
    {
        Assert.Null(new GobStreamDecoder(new MemoryStream()).DecodeNext());
    }
}
