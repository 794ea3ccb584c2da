using ApisixPlugin.GoPlugin.Gob;

namespace ApisixPlugin.GoPlugin.NetRpc;

/// <summary>The services one net/rpc server exposes, dispatched by "Service.Method".</summary>
internal interface INetRpcService
{
    ValueTask<NetRpcReply> InvokeAsync(string serviceMethod, GobValue argument, CancellationToken cancellationToken);
}
