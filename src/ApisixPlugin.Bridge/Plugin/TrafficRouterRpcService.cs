using System.Diagnostics;
using ApisixPlugin.Bridge.Mapping;
using ApisixPlugin.Bridge.Sidecar;
using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Logging;
using ApisixPlugin.GoPlugin.NetRpc;
using ApisixPlugin.Protos.V1;
using Grpc.Core;

namespace ApisixPlugin.Bridge.Plugin;

/// <summary>
/// argo-rollouts' <c>RpcTrafficRouterPlugin</c> on the broker stream: each <c>Plugin.*</c> call is
/// mapped to the sidecar's TrafficRouter gRPC service, with a deadline so a down or slow sidecar
/// fails the call with an RpcError that says so instead of holding the controller.
/// </summary>
internal sealed class TrafficRouterRpcService : INetRpcService
{
    private readonly TrafficRouter.TrafficRouterClient _sidecar;
    private readonly RolloutMapper _rollouts;
    private readonly TimeSpan _timeout;
    private readonly string _socketPath;
    private readonly IPluginLog _log;

    public TrafficRouterRpcService(TrafficRouter.TrafficRouterClient sidecar, RolloutMapper rollouts, TimeSpan timeout, string socketPath, IPluginLog log)
    {
        _sidecar = sidecar;
        _rollouts = rollouts;
        _timeout = timeout;
        _socketPath = socketPath;
        _log = log;
    }

    public GobShape ArgumentShape(string serviceMethod) => RolloutMapper.ArgumentShape;

    public async ValueTask<NetRpcReply> InvokeAsync(string serviceMethod, GobValue argument, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var options = new CallOptions(deadline: DateTime.UtcNow + _timeout, cancellationToken: cancellationToken);
        NetRpcReply reply;
        try
        {
            reply = serviceMethod switch
            {
                "Plugin.InitPlugin" => await Done(_sidecar.InitPluginAsync(new InitPluginRequest(), options)),
                "Plugin.Type" => NetRpcReply.String((await _sidecar.TypeAsync(new TypeRequest(), options)).Type),
                "Plugin.UpdateHash" => await Done(_sidecar.UpdateHashAsync(UpdateHash(argument), options)),
                "Plugin.SetWeight" => await Done(_sidecar.SetWeightAsync(SetWeight(argument), options)),
                "Plugin.SetHeaderRoute" => await Done(_sidecar.SetHeaderRouteAsync(new SetHeaderRouteRequest
                {
                    Rollout = _rollouts.Map(argument.Field("Rollout")),
                    HeaderRoute = RouteMapper.MapHeaderRoute(argument.Field("SetHeaderRoute")),
                }, options)),
                "Plugin.SetMirrorRoute" => await Done(_sidecar.SetMirrorRouteAsync(new SetMirrorRouteRequest
                {
                    Rollout = _rollouts.Map(argument.Field("Rollout")),
                    MirrorRoute = RouteMapper.MapMirrorRoute(argument.Field("SetMirrorRoute")),
                }, options)),
                "Plugin.VerifyWeight" => await VerifyWeight(argument, options),
                "Plugin.RemoveManagedRoutes" => await Done(_sidecar.RemoveManagedRoutesAsync(new RemoveManagedRoutesRequest
                {
                    Rollout = _rollouts.Map(argument.Field("Rollout")),
                }, options)),
                _ => NetRpcErrors.UnknownMethod(serviceMethod, "Plugin"),
            };
        }
        catch (RpcException e)
        {
            var text = SidecarErrorText.For(serviceMethod, e, _socketPath, _timeout);
            _log.Write(PluginLogLevel.Error, "sidecar call failed", ("method", serviceMethod), ("code", e.StatusCode.ToString()),
                ("error", text), ("duration", Stopwatch.GetElapsedTime(started)));
            return Failed(serviceMethod, text);
        }
        _log.Write(PluginLogLevel.Debug, "call done", ("method", serviceMethod), ("rollout", RolloutName(argument)),
            ("duration", Stopwatch.GetElapsedTime(started)));
        return reply;
    }

    /// <summary>A sidecar failure in the reply type each method has (Type has only Response.Error).</summary>
    private static NetRpcReply Failed(string method, string text) => method switch
    {
        "Plugin.VerifyWeight" => NetRpcReply.VerifyWeight(0, text),
        "Plugin.Type" => NetRpcReply.Failure(text),
        _ => NetRpcReply.RpcError(text),
    };

    private static async Task<NetRpcReply> Done<T>(AsyncUnaryCall<T> call)
    {
        using (call)
        {
            await call.ResponseAsync.ConfigureAwait(false);
        }
        return NetRpcReply.RpcError("");
    }

    private UpdateHashRequest UpdateHash(GobValue argument)
    {
        var request = new UpdateHashRequest
        {
            Rollout = _rollouts.Map(argument.Field("Rollout")),
            CanaryHash = RolloutMapper.Text(argument, "CanaryHash"),
            StableHash = RolloutMapper.Text(argument, "StableHash"),
        };
        request.AdditionalDestinations.AddRange(RolloutMapper.MapDestinations(argument.Field("AdditionalDestinations")));
        return request;
    }

    private SetWeightRequest SetWeight(GobValue argument)
    {
        var request = new SetWeightRequest
        {
            Rollout = _rollouts.Map(argument.Field("Rollout")),
            DesiredWeight = (int)(argument.Field("DesiredWeight")?.AsInt64() ?? 0),
        };
        request.AdditionalDestinations.AddRange(RolloutMapper.MapDestinations(argument.Field("AdditionalDestinations")));
        return request;
    }

    private async Task<NetRpcReply> VerifyWeight(GobValue argument, CallOptions options)
    {
        var request = new VerifyWeightRequest
        {
            Rollout = _rollouts.Map(argument.Field("Rollout")),
            DesiredWeight = (int)(argument.Field("DesiredWeight")?.AsInt64() ?? 0),
        };
        request.AdditionalDestinations.AddRange(RolloutMapper.MapDestinations(argument.Field("AdditionalDestinations")));
        using var call = _sidecar.VerifyWeightAsync(request, options);
        var response = await call.ResponseAsync.ConfigureAwait(false);
        if (response.Verification == Verification.NotVerified && response.Detail.Length > 0)
        {
            // Not verified yet is no error: the controller waits and asks again. Say why in the log.
            _log.Write(PluginLogLevel.Info, "weight not verified yet", ("rollout", $"{request.Rollout.Namespace}/{request.Rollout.Name}"),
                ("desired_weight", request.DesiredWeight), ("detail", response.Detail));
        }
        return NetRpcReply.VerifyWeight((int)response.Verification, "");
    }

    private static string RolloutName(GobValue argument) =>
        argument.Path("Rollout", "ObjectMeta") is { } meta
            ? $"{RolloutMapper.Text(meta, "Namespace")}/{RolloutMapper.Text(meta, "Name")}"
            : "";
}
