using ApisixPlugin.GoPlugin.NetRpc;

namespace ApisixPlugin.GoPlugin.Plugin;

/// <summary>
/// go-plugin's MuxBroker, server half: Dispense reserves an id (a counter from 1), the host then
/// opens a stream that starts with that id, and the plugin's service is served on it. Like
/// go-plugin's broker, an id whose stream has not come in time is forgotten, and only as many
/// wait at once as there are broker slots, so Dispense calls alone cannot grow the table.
/// </summary>
internal sealed class BrokerRegistry
{
    /// <summary>Ids waiting for their stream: one per broker slot is all that could be served.</summary>
    public const int MaxPending = GoPluginConnection.MaxBrokerStreams;

    private readonly Dictionary<uint, (string Name, INetRpcService Service, long At)> _pending = [];
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private uint _lastId;

    public BrokerRegistry(TimeProvider time, TimeSpan timeout)
    {
        _time = time;
        _timeout = timeout;
    }

    /// <summary>Reserves the next id; false when <see cref="MaxPending"/> ids wait already.</summary>
    public bool TryRegister(string name, INetRpcService service, out uint id)
    {
        lock (_pending)
        {
            foreach (var (stale, _) in _pending.Where(p => IsExpired(p.Value.At)).ToList())
            {
                _pending.Remove(stale);
            }
            if (_pending.Count >= MaxPending)
            {
                id = 0;
                return false;
            }
            id = ++_lastId;
            _pending[id] = (name, service, _time.GetTimestamp());
            return true;
        }
    }

    public bool TryTake(uint id, out string name, out INetRpcService service)
    {
        lock (_pending)
        {
            if (_pending.Remove(id, out var entry) && !IsExpired(entry.At))
            {
                (name, service, _) = entry;
                return true;
            }
        }
        name = "";
        service = null!;
        return false;
    }

    private bool IsExpired(long registeredAt) => _time.GetElapsedTime(registeredAt) > _timeout;
}
