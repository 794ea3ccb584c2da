using ApisixPlugin.GoPlugin.Gob;

namespace ApisixPlugin.GoPlugin.NetRpc;

/// <summary>
/// The body of one net/rpc response. Its gob type must be exactly what the Go caller decodes
/// into: a mismatch kills the caller's stream for good.
/// </summary>
internal sealed class NetRpcReply
{
    private enum BodyKind { EmptyStruct, String, Uint, RpcError, VerifyWeight }

    private readonly BodyKind _kind;
    private readonly string _text;
    private readonly long _number;

    private NetRpcReply(BodyKind kind, string text = "", long number = 0, string error = "")
    {
        _kind = kind;
        _text = text;
        _number = number;
        Error = error;
    }

    /// <summary>net/rpc's Response.Error; when set the body is an empty struct, as Go sends.</summary>
    public string Error { get; }

    /// <summary>Runs once the response is on its way (Quit exits only after answering).</summary>
    public Action? AfterSent { get; init; }

    public static NetRpcReply EmptyStruct(Action? afterSent = null) => new(BodyKind.EmptyStruct) { AfterSent = afterSent };

    public static NetRpcReply String(string value) => new(BodyKind.String, value);

    public static NetRpcReply Uint(uint value) => new(BodyKind.Uint, number: value);

    /// <summary>argo-rollouts' RpcError; empty text means success.</summary>
    public static NetRpcReply RpcError(string errorString) => new(BodyKind.RpcError, errorString);

    /// <summary>argo-rollouts' VerifyWeightResponse: 0 not verified, 1 verified, 2 not implemented.</summary>
    public static NetRpcReply VerifyWeight(int verified, string errorString) =>
        new(BodyKind.VerifyWeight, errorString, verified);

    /// <summary>A call that failed at the net/rpc level (unknown method, undecodable argument).</summary>
    public static NetRpcReply Failure(string error) =>
        new(BodyKind.EmptyStruct, error: string.IsNullOrEmpty(error) ? "unknown error" : error);

    internal void WriteBody(GobReplyEncoder encoder, GobWriter writer)
    {
        switch (_kind)
        {
            case BodyKind.String: GobReplyEncoder.WriteString(writer, _text); break;
            case BodyKind.Uint: GobReplyEncoder.WriteUint(writer, (ulong)_number); break;
            case BodyKind.RpcError: encoder.WriteRpcError(writer, _text); break;
            case BodyKind.VerifyWeight: encoder.WriteVerifyWeightResponse(writer, (int)_number, _text); break;
            default: encoder.WriteEmptyStruct(writer); break;
        }
    }
}
