using ApisixPlugin.GoPlugin.Logging;
using ApisixPlugin.GoPlugin.NetRpc;

namespace ApisixPlugin.GoPlugin.Plugin;

internal sealed class GoPluginServerOptions
{
    /// <summary>Plugin names the Dispenser hands out, each with the service behind its broker stream.</summary>
    public required IReadOnlyDictionary<string, INetRpcService> Plugins { get; init; }

    public IPluginLog Log { get; init; } = NullPluginLog.Instance;

    /// <summary>Control.Quit was answered: the process should exit now.</summary>
    public Action? OnQuit { get; init; }

    /// <summary>A host connection ended (with the reason).</summary>
    public Action<string>? OnConnectionClosed { get; init; }

    /// <summary>
    /// How long a dispensed id waits for its stream, and a broker stream for its id. go-plugin's
    /// own broker gives up after 5 s; its client dials and writes the id right after Dispense.
    /// </summary>
    public TimeSpan BrokerTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The clock for dispensed ids' expiry (a fake one in tests).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
