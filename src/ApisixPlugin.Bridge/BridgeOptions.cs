using ApisixPlugin.Contracts;
using ApisixPlugin.GoPlugin.Logging;

namespace ApisixPlugin.Bridge;

/// <summary>What the bridge runs with; <see cref="BridgeCommandLine"/> reads it from the arguments.</summary>
internal sealed record BridgeOptions
{
    public string SidecarSocket { get; init; } = PluginDefaults.SocketPath;

    /// <summary>The key of this plugin in spec.strategy.canary.trafficRouting.plugins.</summary>
    public string PluginName { get; init; } = PluginDefaults.PluginName;

    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The least severe log lines written to stderr.</summary>
    public PluginLogLevel LogLevel { get; init; } = PluginLogLevel.Info;

    /// <summary>Answer every Plugin call at once with success, without the sidecar (benchmarks).</summary>
    public bool Noop { get; init; }
}
