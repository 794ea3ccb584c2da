using System.Buffers;

namespace ApisixPlugin.GoPlugin.Gob;

/// <summary>
/// The sending half of a net/rpc stream: encodes the few reply types a go-plugin client expects,
/// defining each type once per stream (a second definition of an id kills a Go decoder).
/// The ids are this sender's own choice (spec section 6); callers serialise access.
/// </summary>
internal sealed class GobReplyEncoder
{
    public const int ResponseId = 65;
    public const int RpcErrorId = 66;
    public const int VerifyWeightResponseId = 67;
    public const int EmptyStructId = 68;

    private readonly HashSet<int> _defined = [];

    /// <summary>net/rpc's <c>Response{ServiceMethod string; Seq uint64; Error string}</c>.</summary>
    public void WriteResponseHeader(GobWriter w, string serviceMethod, ulong seq, string error)
    {
        DefineStruct(w, ResponseId, "Response", ("ServiceMethod", GobTypeIds.String), ("Seq", GobTypeIds.Uint), ("Error", GobTypeIds.String));
        w.WriteInt(ResponseId);
        var fieldsSkipped = 0;
        WriteStringField(w, serviceMethod, ref fieldsSkipped);
        if (seq != 0)
        {
            w.WriteUint((ulong)fieldsSkipped + 1);
            w.WriteUint(seq);
            fieldsSkipped = 0;
        }
        else
        {
            fieldsSkipped++;
        }
        WriteStringField(w, error, ref fieldsSkipped);
        w.WriteUint(0);
        w.EndMessage();
    }

    /// <summary>argo-rollouts' <c>RpcError{ErrorString string}</c>; empty means success.</summary>
    public void WriteRpcError(GobWriter w, string errorString)
    {
        DefineRpcError(w);
        w.WriteInt(RpcErrorId);
        var skipped = 0;
        WriteStringField(w, errorString, ref skipped);
        w.WriteUint(0);
        w.EndMessage();
    }

    /// <summary><c>VerifyWeightResponse{Verified RpcVerified (an int32); Err RpcError}</c>.</summary>
    public void WriteVerifyWeightResponse(GobWriter w, int verified, string errorString)
    {
        DefineStruct(w, VerifyWeightResponseId, "VerifyWeightResponse", ("Verified", GobTypeIds.Int), ("Err", RpcErrorId));
        DefineRpcError(w);
        w.WriteInt(VerifyWeightResponseId);
        var skipped = 0;
        if (verified != 0)
        {
            w.WriteUint(1);
            w.WriteInt(verified);
        }
        else
        {
            skipped++;
        }
        // A struct-typed field is always sent, even when all its fields are zero.
        w.WriteUint((ulong)skipped + 1);
        var inner = 0;
        WriteStringField(w, errorString, ref inner);
        w.WriteUint(0);
        w.WriteUint(0);
        w.EndMessage();
    }

    /// <summary><c>struct{}</c>: the reply of Ping and Quit and the body of every error response.</summary>
    public void WriteEmptyStruct(GobWriter w)
    {
        DefineStruct(w, EmptyStructId, "");
        w.WriteInt(EmptyStructId);
        w.WriteUint(0);
        w.EndMessage();
    }

    public static void WriteString(GobWriter w, string value)
    {
        w.WriteInt(GobTypeIds.String);
        w.WriteUint(0);
        w.WriteString(value);
        w.EndMessage();
    }

    public static void WriteUint(GobWriter w, ulong value)
    {
        w.WriteInt(GobTypeIds.Uint);
        w.WriteUint(0);
        w.WriteUint(value);
        w.EndMessage();
    }

    private void DefineRpcError(GobWriter w) =>
        DefineStruct(w, RpcErrorId, "RpcError", ("ErrorString", GobTypeIds.String));

    private static void WriteStringField(GobWriter w, string value, ref int skipped)
    {
        if (value.Length == 0)
        {
            skipped++;
            return;
        }
        w.WriteUint((ulong)skipped + 1);
        w.WriteString(value);
        skipped = 0;
    }

    /// <summary>
    /// <c>-id wireType{StructT: structType{CommonType{Name, Id}, Field []fieldType}}</c>, once.
    /// </summary>
    private void DefineStruct(GobWriter w, int id, string name, params ReadOnlySpan<(string Name, int TypeId)> fields)
    {
        if (!_defined.Add(id))
        {
            return;
        }
        w.WriteInt(-id);
        w.WriteUint(3); // wireType field 2: StructT
        w.WriteUint(1); // structType field 0: CommonType
        var commonSkipped = 0;
        WriteStringField(w, name, ref commonSkipped);
        w.WriteUint((ulong)commonSkipped + 1);
        w.WriteInt(id);
        w.WriteUint(0); // end of CommonType
        if (fields.Length > 0)
        {
            w.WriteUint(1); // structType field 1: Field
            w.WriteUint((ulong)fields.Length);
            foreach (var (fieldName, typeId) in fields)
            {
                w.WriteUint(1);
                w.WriteString(fieldName);
                w.WriteUint(1);
                w.WriteInt(typeId);
                w.WriteUint(0);
            }
        }
        w.WriteUint(0); // end of structType
        w.WriteUint(0); // end of wireType
        w.EndMessage();
    }

    /// <summary>Encodes into a fresh buffer; handy for tests and one-off messages.</summary>
    public static byte[] Encode(Action<GobWriter> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(new GobWriter(output));
        return output.WrittenSpan.ToArray();
    }
}
