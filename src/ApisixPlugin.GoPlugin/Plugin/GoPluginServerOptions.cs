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
}
