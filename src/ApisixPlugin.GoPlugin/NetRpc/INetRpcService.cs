using ApisixPlugin.GoPlugin.Gob;

namespace ApisixPlugin.GoPlugin.NetRpc;

/// <summary>The services one net/rpc server exposes, dispatched by "Service.Method".</summary>
internal interface INetRpcService
{
    ValueTask<NetRpcReply> InvokeAsync(string serviceMethod, GobValue argument, CancellationToken cancellationToken);

    /// <summary>What of a method's argument <see cref="InvokeAsync"/> reads; the rest is parsed and dropped.</summary>
    GobShape ArgumentShape(string serviceMethod) => GobShape.All;
}
