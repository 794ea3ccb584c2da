using ApisixPlugin.Bridge.Mapping;
using ApisixPlugin.Bridge.Plugin;
using ApisixPlugin.Bridge.Sidecar;
using ApisixPlugin.GoPlugin.Logging;
using ApisixPlugin.GoPlugin.NetRpc;
using ApisixPlugin.Protos.V1;
using Grpc.Net.Client;

namespace ApisixPlugin.Bridge;

/// <summary>Builds the sidecar client and the Plugin service from the command line.</summary>
internal static class BridgeServices
{
    public static GrpcChannel CreateSidecarChannel(BridgeOptions options) =>
        SidecarChannel.Create(options.SidecarSocket, options.CallTimeout);

    public static INetRpcService CreatePluginService(GrpcChannel channel, BridgeOptions options, IPluginLog log) =>
        new TrafficRouterRpcService(new TrafficRouter.TrafficRouterClient(channel), new RolloutMapper(options.PluginName),
            options.CallTimeout, options.SidecarSocket, log);
}
