using ApisixPlugin.Bridge.Mapping;
using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.NetRpc;

namespace ApisixPlugin.Bridge.Plugin;

/// <summary>
/// <c>--noop</c>: answers every Plugin call at once with success and no sidecar, so a benchmark
/// measures the go-plugin protocol path alone. The argument is decoded and its Rollout mapped as
/// for a real call; only the sidecar call is left out.
/// </summary>
internal sealed class NoopPluginService : INetRpcService
{
    private readonly RolloutMapper _rollouts;

    public NoopPluginService(RolloutMapper rollouts) => _rollouts = rollouts;

    public GobShape ArgumentShape(string serviceMethod) => RolloutMapper.ArgumentShape;

    public ValueTask<NetRpcReply> InvokeAsync(string serviceMethod, GobValue argument, CancellationToken cancellationToken)
    {
        _ = _rollouts.Map(argument.Field("Rollout"));
        return ValueTask.FromResult(serviceMethod switch
        {
            "Plugin.Type" => NetRpcReply.String("apisix-noop"),
            "Plugin.VerifyWeight" => NetRpcReply.VerifyWeight(1, ""),
            "Plugin.InitPlugin" or "Plugin.UpdateHash" or "Plugin.SetWeight" or "Plugin.SetHeaderRoute"
                or "Plugin.SetMirrorRoute" or "Plugin.RemoveManagedRoutes" => NetRpcReply.RpcError(""),
            _ => NetRpcErrors.UnknownMethod(serviceMethod, "Plugin"),
        });
    }
}
