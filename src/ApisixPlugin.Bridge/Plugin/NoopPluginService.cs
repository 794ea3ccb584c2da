using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.NetRpc;

namespace ApisixPlugin.Bridge.Plugin;

/// <summary>
/// <c>--noop</c>: answers every Plugin call at once with success and no sidecar, so a benchmark
/// measures the go-plugin protocol path alone (the argument is still fully decoded).
/// </summary>
internal sealed class NoopPluginService : INetRpcService
{
    public ValueTask<NetRpcReply> InvokeAsync(string serviceMethod, GobValue argument, CancellationToken cancellationToken) =>
        ValueTask.FromResult(serviceMethod switch
        {
            "Plugin.Type" => NetRpcReply.String("apisix-noop"),
            "Plugin.VerifyWeight" => NetRpcReply.VerifyWeight(1, ""),
            "Plugin.InitPlugin" or "Plugin.UpdateHash" or "Plugin.SetWeight" or "Plugin.SetHeaderRoute"
                or "Plugin.SetMirrorRoute" or "Plugin.RemoveManagedRoutes" => NetRpcReply.RpcError(""),
            _ => NetRpcErrors.UnknownMethod(serviceMethod, "Plugin"),
        });
}
