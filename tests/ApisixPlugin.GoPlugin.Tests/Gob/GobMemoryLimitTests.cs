using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Testing;
using ApisixPlugin.GoPlugin.Tests.Support;

namespace ApisixPlugin.GoPlugin.Tests.Gob;

/// <summary>
/// Input that is well-formed gob but would cost far more memory than its size: each is refused
/// with a GobException (which ends that stream), and what the decoder allocated on the way stays
/// within a small multiple of the bytes it was given.
/// </summary>
public sealed class GobMemoryLimitTests
{
    private const int MiB = 1024 * 1024;

    /// <summary>Decodes until the stream ends; the exception (or null) and the bytes allocated meanwhile.</summary>
    private static (GobException? Error, long Allocated) Decode(Stream input)
    {
        var decoder = new GobStreamDecoder(input);
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            while (decoder.DecodeNext() is not null)
            {
            }
            return (null, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        catch (GobException e)
        {
            return (e, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    [Fact]
    public void A_length_prefix_alone_allocates_nothing_like_the_length_it_claims()
    {
        // Claims 16 MiB - 1, sends 10 bytes: the buffer grows with the bytes that arrive.
        var (error, allocated) = Decode(new MemoryStream(GobBytes.Hex("fc 00ffffff 00000000000000000000")));
        Assert.NotNull(error);
        Assert.Contains("stream ended inside a message (10 of 16777215 bytes)", error.Message, StringComparison.Ordinal);
        Assert.True(allocated < MiB, $"allocated {allocated} bytes for 15 bytes of input");
    }

    [Fact]
    public void A_slice_of_one_element_slices_is_refused_at_a_multiple_of_its_message()
    {
        // type L [][]int: 400,000 inner slices of one small int, two bytes each (800 KB). Each one
        // would become a node and an array: 40 times its wire size, over the 32x limit.
        const int count = 400_000;
        var bytes = new GobBytes()
            .DefineSlice(65, "Outer", 66)
            .DefineSlice(66, "Inner", GobTypeIds.Int)
            .Message(w =>
            {
                w.WriteInt(65);
                w.WriteUint(0);
                w.WriteUint(count);
                for (var i = 0; i < count; i++)
                {
                    w.WriteUint(1);
                    w.WriteInt(1);
                }
            }).ToArray();
        var (error, allocated) = Decode(new MemoryStream(bytes));
        Assert.NotNull(error);
        Assert.Contains("value would decode to more than", error.Message, StringComparison.Ordinal);
        // At most three times the message for its buffer, 32 times for what was decoded.
        Assert.True(allocated < (3L + 32) * bytes.Length + MiB, $"allocated {allocated} bytes for {bytes.Length} bytes of input");
    }

    [Fact]
    public void Tiny_structs_by_the_million_are_refused_at_the_absolute_cap()
    {
        // type S struct{ A int }; []S with 1.4 million elements of three bytes each (4 MiB): the
        // shape that cost 200 bytes per byte. Each is now a node and a one-field array, 29 times
        // its wire size, so the 32 MiB cap on one value stops it.
        const int count = 1_400_000;
        var bytes = GobBytes.ManySmallStructs(65, count);
        var (error, allocated) = Decode(new MemoryStream(bytes));
        Assert.NotNull(error);
        Assert.Contains("value would decode to more than 33554432 bytes", error.Message, StringComparison.Ordinal);
        Assert.True(allocated < 3L * bytes.Length + 36 * MiB, $"allocated {allocated} bytes for {bytes.Length} bytes of input");
    }

    [Fact]
    public void A_value_is_refused_past_32_MiB_decoded_even_when_its_message_is_allowed()
    {
        // 8 MiB of 15-byte byte slices: about 5 times the wire size, within the multiple, but
        // past the absolute cap on one decoded value.
        const int count = 8 * MiB / 16;
        var bytes = new GobBytes()
            .DefineSlice(65, "Chunks", GobTypeIds.Bytes)
            .Message(w =>
            {
                w.WriteInt(65);
                w.WriteUint(0);
                w.WriteUint(count);
                for (var i = 0; i < count; i++)
                {
                    w.WriteString("fifteen bytes!!");
                }
            }).ToArray();
        var (error, allocated) = Decode(new MemoryStream(bytes));
        Assert.NotNull(error);
        Assert.Contains("value would decode to more than 33554432 bytes", error.Message, StringComparison.Ordinal);
        // The message buffer grows by doubling as bytes arrive: up to three times the message.
        Assert.True(allocated < 3L * bytes.Length + 36 * MiB, $"allocated {allocated} bytes for {bytes.Length} bytes of input");
    }

    [Fact]
    public void A_slice_of_interfaces_cannot_pull_messages_past_16_MiB()
    {
        // []interface{} of a million elements, each naming a type whose id comes in the next
        // message: the value pulls message after message. The input ends after 24 MiB.
        var first = new GobBytes()
            .DefineSlice(65, "Anys", GobTypeIds.Interface)
            .Message(w => { w.WriteInt(65); w.WriteUint(0); w.WriteUint(1_000_000); w.WriteString("x"); })
            .ToArray();
        var element = new GobBytes().Message(w =>
        {
            w.WriteInt(GobTypeIds.Bytes);
            w.WriteUint(4003);
            w.WriteUint(0);
            w.WriteString(new string('b', 4000));
            w.WriteString("x"); // the next element's name; its type follows in the next message
        }).ToArray();
        var input = new GeneratedStream(first, element, 24 * MiB);
        var (error, allocated) = Decode(input);
        Assert.NotNull(error);
        Assert.Contains("value spans more than 16777216 bytes of messages", error.Message, StringComparison.Ordinal);
        Assert.True(input.Produced < 17 * MiB, $"read {input.Produced} bytes");
        Assert.True(allocated < 3L * input.Produced + MiB, $"allocated {allocated} bytes for {input.Produced} bytes of input");
    }

    [Fact]
    public void A_slice_of_interfaces_claiming_more_elements_than_a_value_may_span_is_refused_at_once()
    {
        var bytes = new GobBytes()
            .DefineSlice(65, "Anys", GobTypeIds.Interface)
            .Message(w => { w.WriteInt(65); w.WriteUint(0); w.WriteUint(1UL << 40); w.WriteString("x"); });
        var (error, _) = Decode(bytes.ToStream());
        Assert.NotNull(error);
        Assert.Contains("Anys claims 1099511627776 elements, more than a value may span", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Type_definitions_past_256_KiB_on_one_stream_are_refused()
    {
        // 300 struct types with 1000-byte names: legal one by one, a hoard together.
        var bytes = new GobBytes();
        for (var i = 0; i < 300; i++)
        {
            bytes.DefineStruct(65 + i, new string('t', 1000), ("A", GobTypeIds.Int));
        }
        var (error, allocated) = Decode(bytes.ToStream());
        Assert.NotNull(error);
        Assert.Contains("type definitions on this stream take more than 262144 bytes", error.Message, StringComparison.Ordinal);
        Assert.True(allocated < 16L * 300 * 1000 + MiB, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_chain_of_ten_thousand_type_definitions_does_not_exhaust_the_stack()
    {
        // type T0 []T1; type T1 []T2; ... T9999 []interface{}. Checking a count against the
        // message asks whether T0 can hold an interface: the walk must not recurse per type.
        var bytes = new GobBytes();
        for (var i = 0; i < 10_000; i++)
        {
            bytes.DefineSlice(65 + i, "", i == 9_999 ? GobTypeIds.Interface : 66 + i);
        }
        bytes.Message(w => { w.WriteInt(65); w.WriteUint(0); w.WriteUint(2); });
        // On a thread with .NET's default secondary stack (1.5 MB), as the bridge's streams run.
        GobException? error = null;
        var thread = new Thread(() => error = Decode(bytes.ToStream()).Error, 1536 * 1024);
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "decoding did not finish");
        Assert.NotNull(error);
    }

    [Fact]
    public void Go_produced_values_decode_with_room_to_spare_under_the_limits()
    {
        // The real messages, at most a few hundred KiB, must stay far below every cap: here, half
        // the allowed multiple of their wire size.
        foreach (var file in Directory.GetFiles(GoPeerDump.Directory, "*.bin"))
        {
            if (file.EndsWith("gob-deep-10000.bin", StringComparison.Ordinal))
            {
                continue;
            }
            var decoder = new GobStreamDecoder(new MemoryStream(File.ReadAllBytes(file)));
            while (decoder.DecodeNext() is not null)
            {
                var allowed = GobLimits.DecodedBytesPerWireByte / 2 * decoder.LastValueWireBytes + GobLimits.DecodedSlackBytes / 2;
                Assert.True(decoder.LastValueDecodedBytes <= allowed,
                    $"{Path.GetFileName(file)}: {decoder.LastValueDecodedBytes} decoded bytes for {decoder.LastValueWireBytes} wire bytes");
            }
            Assert.True(decoder.Types.DefinitionBytes <= GobLimits.MaxDefinitionBytesPerStream / 16,
                $"{Path.GetFileName(file)}: {decoder.Types.DefinitionBytes} bytes of type definitions");
        }
    }
}
