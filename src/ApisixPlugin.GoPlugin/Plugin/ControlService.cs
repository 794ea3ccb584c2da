using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.NetRpc;

namespace ApisixPlugin.GoPlugin.Plugin;

/// <summary>
/// go-plugin's control stream: <c>Control.Ping</c>, <c>Control.Quit</c> and
/// <c>Dispenser.Dispense</c>, which hands out broker ids for the plugin streams.
/// </summary>
internal sealed class ControlService : INetRpcService
{
    private readonly IReadOnlyDictionary<string, INetRpcService> _plugins;
    private readonly BrokerRegistry _broker;
    private readonly Action? _onQuit;

    public ControlService(IReadOnlyDictionary<string, INetRpcService> plugins, BrokerRegistry broker, Action? onQuit)
    {
        _plugins = plugins;
        _broker = broker;
        _onQuit = onQuit;
    }

    public ValueTask<NetRpcReply> InvokeAsync(string serviceMethod, GobValue argument, CancellationToken cancellationToken) =>
        ValueTask.FromResult(serviceMethod switch
        {
            "Control.Ping" => NetRpcReply.EmptyStruct(),
            // The process may only go once the host has its answer.
            "Control.Quit" => NetRpcReply.EmptyStruct(_onQuit),
            "Dispenser.Dispense" => Dispense(argument.AsString()),
            _ => NetRpcErrors.UnknownMethod(serviceMethod, "Control", "Dispenser"),
        });

    private NetRpcReply Dispense(string name)
    {
        if (!_plugins.TryGetValue(name, out var service))
        {
            return NetRpcReply.Failure($"unknown plugin type: {name}");
        }
        return _broker.TryRegister(name, service, out var id)
            ? NetRpcReply.Uint(id)
            : NetRpcReply.Failure($"{BrokerRegistry.MaxPending} dispensed plugin streams are waiting to be opened; open those first");
    }
}
