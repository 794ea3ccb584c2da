using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Testing;

namespace ApisixPlugin.GoPlugin.Tests.Gob;

/// <summary>The reply encodings a real Go client accepted (spec section 6), byte for byte.</summary>
public sealed class GobReplyEncoderTests
{
    private const string ResponseDefinition =
        "3a ff 81 03 01 01 08 \"Response\" 01 ff 82 00 01 03 01 0d \"ServiceMethod\" 01 0c 00 01 03 \"Seq\" 01 06 00 01 05 \"Error\" 01 0c 00 00 00";
    private const string RpcErrorDefinition =
        "26 ff 83 03 01 01 08 \"RpcError\" 01 ff 84 00 01 01 01 0b \"ErrorString\" 01 0c 00 00 00";
    private const string VerifyWeightResponseDefinition =
        "38 ff 85 03 01 01 14 \"VerifyWeightResponse\" 01 ff 86 00 01 02 01 08 \"Verified\" 01 04 00 01 03 \"Err\" 01 ff 84 00 00 00";
    private const string EmptyStructDefinition = "0a ff 87 03 01 02 ff 88 00 00 00";

    [Fact]
    public void Response_header_defines_the_type_once_then_echoes_method_and_seq()
    {
        var encoder = new GobReplyEncoder();
        var first = GobReplyEncoder.Encode(w => encoder.WriteResponseHeader(w, "Plugin.SetWeight", 5, ""));
        var second = GobReplyEncoder.Encode(w => encoder.WriteResponseHeader(w, "Plugin.SetWeight", 6, ""));
        var value = "17 ff 82 01 10 \"Plugin.SetWeight\" 01 05 00";
        Assert.Equal(GobBytes.ToHex(GobBytes.Spec(ResponseDefinition + " " + value)), GobBytes.ToHex(first));
        Assert.Equal(GobBytes.ToHex(GobBytes.Spec("17 ff 82 01 10 \"Plugin.SetWeight\" 01 06 00")), GobBytes.ToHex(second));
    }

    [Fact]
    public void Response_with_seq_0_and_an_error_uses_delta_2_for_the_error()
    {
        var encoder = new GobReplyEncoder();
        encoder.WriteResponseHeader(new GobWriter(new()), "x", 1, ""); // definition already sent
        var bytes = GobReplyEncoder.Encode(w => encoder.WriteResponseHeader(w, "Control.Ping", 0, "boom"));
        Assert.Equal(GobBytes.ToHex(GobBytes.Spec("17 ff 82 01 0c \"Control.Ping\" 02 04 \"boom\" 00")), GobBytes.ToHex(bytes));
    }

    [Fact]
    public void Response_with_seq_and_error_uses_delta_1_for_the_error()
    {
        var encoder = new GobReplyEncoder();
        encoder.WriteResponseHeader(new GobWriter(new()), "x", 1, "");
        var bytes = GobReplyEncoder.Encode(w => encoder.WriteResponseHeader(w, "A.B", 3, "e"));
        Assert.Equal(GobBytes.ToHex(GobBytes.Spec("0d ff 82 01 03 \"A.B\" 01 03 01 01 \"e\" 00")), GobBytes.ToHex(bytes));
    }

    [Fact]
    public void RpcError_success_and_failure()
    {
        var encoder = new GobReplyEncoder();
        var success = GobReplyEncoder.Encode(w => encoder.WriteRpcError(w, ""));
        var failure = GobReplyEncoder.Encode(w => encoder.WriteRpcError(w, "no route"));
        Assert.Equal(GobBytes.ToHex(GobBytes.Spec(RpcErrorDefinition + " 03 ff 84 00")), GobBytes.ToHex(success));
        Assert.Equal(GobBytes.ToHex(GobBytes.Spec("0d ff 84 01 08 \"no route\" 00")), GobBytes.ToHex(failure));
    }

    [Fact]
    public void VerifyWeightResponse_defines_itself_then_RpcError_and_sends_Verified_as_int()
    {
        var encoder = new GobReplyEncoder();
        var bytes = GobReplyEncoder.Encode(w => encoder.WriteVerifyWeightResponse(w, 1, ""));
        Assert.Equal(
            GobBytes.ToHex(GobBytes.Spec(VerifyWeightResponseDefinition + " " + RpcErrorDefinition + " 07 ff 86 01 02 01 00 00")),
            GobBytes.ToHex(bytes));
    }

    [Fact]
    public void VerifyWeightResponse_not_verified_with_error_omits_Verified()
    {
        var encoder = new GobReplyEncoder();
        encoder.WriteVerifyWeightResponse(new GobWriter(new()), 1, "");
        var bytes = GobReplyEncoder.Encode(w => encoder.WriteVerifyWeightResponse(w, 0, "x"));
        Assert.Equal(GobBytes.ToHex(GobBytes.Spec("08 ff 86 02 01 01 \"x\" 00 00")), GobBytes.ToHex(bytes));
    }

    [Fact]
    public void RpcError_after_VerifyWeightResponse_is_not_defined_again()
    {
        var encoder = new GobReplyEncoder();
        encoder.WriteVerifyWeightResponse(new GobWriter(new()), 2, "");
        var bytes = GobReplyEncoder.Encode(w => encoder.WriteRpcError(w, ""));
        Assert.Equal("03ff8400", GobBytes.ToHex(bytes));
    }

    [Fact]
    public void Empty_struct_definition_and_value()
    {
        var encoder = new GobReplyEncoder();
        var bytes = GobReplyEncoder.Encode(w => encoder.WriteEmptyStruct(w));
        Assert.Equal(GobBytes.ToHex(GobBytes.Spec(EmptyStructDefinition + " 03 ff 88 00")), GobBytes.ToHex(bytes));
    }

    [Fact]
    public void String_and_uint_replies()
    {
        Assert.Equal(GobBytes.ToHex(GobBytes.Spec("09 0c 00 06 \"apisix\"")),
            GobBytes.ToHex(GobReplyEncoder.Encode(w => GobReplyEncoder.WriteString(w, "apisix"))));
        Assert.Equal("03060001", GobBytes.ToHex(GobReplyEncoder.Encode(w => GobReplyEncoder.WriteUint(w, 1))));
    }

    [Fact]
    public void Encoded_replies_decode_back_with_their_field_names()
    {
        var encoder = new GobReplyEncoder();
        var bytes = GobReplyEncoder.Encode(w =>
        {
            encoder.WriteResponseHeader(w, "Plugin.VerifyWeight", 9, "");
            encoder.WriteVerifyWeightResponse(w, 2, "slow");
        });
        var decoder = new GobStreamDecoder(new MemoryStream(bytes));
        var header = decoder.DecodeNext()!;
        var body = decoder.DecodeNext()!;
        Assert.Equal("Plugin.VerifyWeight", header.Field("ServiceMethod")!.AsString());
        Assert.Equal(9UL, header.Field("Seq")!.AsUint64());
        Assert.Null(header.Field("Error"));
        Assert.Equal(2, body.Field("Verified")!.AsInt64());
        Assert.Equal("slow", body.Path("Err", "ErrorString")!.AsString());
        Assert.Null(decoder.DecodeNext());
    }
}
