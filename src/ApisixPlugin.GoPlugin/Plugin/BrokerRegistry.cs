using System.Collections.Concurrent;
using ApisixPlugin.GoPlugin.NetRpc;

namespace ApisixPlugin.GoPlugin.Plugin;

/// <summary>
/// go-plugin's MuxBroker, server half: Dispense reserves an id (a counter from 1), the host then
/// opens a stream that starts with that id, and the plugin's service is served on it.
/// </summary>
internal sealed class BrokerRegistry
{
    private readonly ConcurrentDictionary<uint, (string Name, INetRpcService Service)> _pending = new();
    private uint _lastId;

    public uint Register(string name, INetRpcService service)
    {
        var id = Interlocked.Increment(ref _lastId);
        _pending[id] = (name, service);
        return id;
    }

    public bool TryTake(uint id, out string name, out INetRpcService service)
    {
        if (_pending.TryRemove(id, out var entry))
        {
            (name, service) = entry;
            return true;
        }
        name = "";
        service = null!;
        return false;
    }
}
