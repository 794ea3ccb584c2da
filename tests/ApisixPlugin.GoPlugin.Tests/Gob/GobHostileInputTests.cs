using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Testing;

namespace ApisixPlugin.GoPlugin.Tests.Gob;

/// <summary>Malformed and hostile gob: each ends in a GobException that says what was wrong.</summary>
public sealed class GobHostileInputTests
{
    private static GobException Fails(GobBytes bytes) => Fails(bytes.ToArray());

    private static GobException Fails(byte[] bytes)
    {
        var decoder = new GobStreamDecoder(new MemoryStream(bytes));
        return Assert.Throws<GobException>(() =>
        {
            while (decoder.DecodeNext() is not null)
            {
            }
        });
    }

    [Fact]
    public void Truncated_message()
    {
        var error = Fails(GobBytes.Hex("0a 0c 00 05 68 65"));
        Assert.Contains("stream ended inside a message", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Message_length_near_2_pow_64()
    {
        var error = Fails(GobBytes.Hex("f8 ffffffffffffffff 00"));
        Assert.Contains("exceeds the limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Message_longer_than_16_MiB()
    {
        var error = Fails(GobBytes.Hex("fc 01000001 00"));
        Assert.Contains("16777217 bytes exceeds the limit of 16777216", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Slice_count_larger_than_the_remaining_bytes()
    {
        var bytes = new GobBytes()
            .DefineSlice(65, "Names", GobTypeIds.String)
            .Message(w => { w.WriteInt(65); w.WriteUint(0); w.WriteUint(ulong.MaxValue - 3); w.WriteString("a"); });
        var error = Fails(bytes);
        Assert.Contains("claims 18446744073709551612 elements", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_count_larger_than_the_remaining_bytes()
    {
        var bytes = new GobBytes()
            .DefineMap(65, "M", GobTypeIds.String, GobTypeIds.Int)
            .Message(w => { w.WriteInt(65); w.WriteUint(0); w.WriteUint(1_000_000); });
        Assert.Contains("claims 1000000 elements", Fails(bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ten_thousand_deep_nesting_stops_at_the_depth_limit()
    {
        // type S []S, then a value 10,000 levels deep: no stack overflow, a clear error.
        var bytes = new GobBytes()
            .DefineSlice(65, "S", 65)
            .Message(w =>
            {
                w.WriteInt(65);
                w.WriteUint(0);
                for (var i = 0; i < 10_000; i++)
                {
                    w.WriteUint(1);
                }
                w.WriteUint(0);
            });
        Assert.Contains("nested deeper than 100", Fails(bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Self_referencing_struct_nesting_stops_at_the_depth_limit()
    {
        var bytes = new GobBytes()
            .DefineStruct(65, "Loop", ("Self", 65))
            .Message(w =>
            {
                w.WriteInt(65);
                for (var i = 0; i < 10_000; i++)
                {
                    w.WriteUint(1);
                }
                w.WriteUint(0);
            });
        Assert.Contains("nested deeper than 100", Fails(bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Self_referencing_definitions_alone_decode_fine_when_the_data_ends()
    {
        // type M map[M]M: a cycle in the definitions; the interface-reachability walk terminates.
        var bytes = new GobBytes()
            .DefineMap(65, "M", 65, 65)
            .Message(w => { w.WriteInt(65); w.WriteUint(0); w.WriteUint(1); w.WriteUint(0); w.WriteUint(0); });
        var value = new GobStreamDecoder(bytes.ToStream()).DecodeNext()!;
        Assert.Single(value.AsMap());
    }

    [Fact]
    public void Type_id_defined_twice()
    {
        var bytes = new GobBytes()
            .DefineStruct(65, "A", ("X", GobTypeIds.Int))
            .DefineStruct(65, "B", ("Y", GobTypeIds.Int));
        Assert.Contains("type id 65 defined twice", Fails(bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Definition_of_a_predefined_id()
    {
        var bytes = new GobBytes().DefineStruct(6, "string", ("X", GobTypeIds.Int));
        Assert.Contains("reserved or invalid id 6", Fails(bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Value_of_an_undefined_type()
    {
        var bytes = new GobBytes().Message(w => { w.WriteInt(99); w.WriteUint(0); });
        Assert.Contains("type id 99, which was never defined", Fails(bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Field_delta_past_the_last_field()
    {
        var bytes = new GobBytes()
            .DefineStruct(65, "T", ("A", GobTypeIds.Int))
            .Message(w => { w.WriteInt(65); w.WriteUint(2); w.WriteInt(1); w.WriteUint(0); });
        Assert.Contains("runs past the 1 fields of struct T", Fails(bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Interface_whose_definitions_never_end()
    {
        var bytes = new GobBytes().Message(w =>
        {
            w.WriteInt(GobTypeIds.Interface);
            w.WriteUint(0);
            w.WriteString("x");
        });
        Assert.Contains("stream ended inside a value", Fails(bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Interface_name_over_1024_bytes()
    {
        var bytes = new GobBytes().Message(w =>
        {
            w.WriteInt(GobTypeIds.Interface);
            w.WriteUint(0);
            w.WriteString(new string('n', 2000));
        });
        Assert.Contains("interface type name of 2000 bytes", Fails(bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Array_whose_count_differs_from_its_type()
    {
        var bytes = new GobBytes()
            .DefineArray(65, "A", GobTypeIds.Int, 2)
            .Message(w => { w.WriteInt(65); w.WriteUint(0); w.WriteUint(3); w.WriteInt(1); w.WriteInt(2); w.WriteInt(3); });
        Assert.Contains("has 3 elements, its type says 2", Fails(bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Definition_with_two_kinds()
    {
        var bytes = new GobBytes().Message(w =>
        {
            w.WriteInt(-65);
            w.WriteUint(2); // SliceT
            w.WriteUint(2); w.WriteInt(65); w.WriteUint(0); // CommonType{Id}
            w.WriteUint(1); w.WriteInt(GobTypeIds.Int); w.WriteUint(0);
            w.WriteUint(1); // StructT as well
            w.WriteUint(0);
            w.WriteUint(0);
        });
        Assert.Contains("more than one kind", Fails(bytes).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_message()
    {
        Assert.Contains("empty message", Fails(GobBytes.Hex("00")).Message, StringComparison.Ordinal);
    }
}
