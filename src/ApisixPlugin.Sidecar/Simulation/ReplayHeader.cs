using ApisixPlugin.Core.Traffic;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>What was replayed: the Rollout, where it and the routes came from, the plugin and the two Services.</summary>
internal sealed record ReplayHeader(string Namespace, string Name, string RolloutSource, string RoutesSource, string PluginName, string Canary, string Stable)
{
    public ServiceRoles Roles => new(Canary, Stable);

    public void WriteText(TextWriter output)
    {
        output.WriteLine($"Rollout {Namespace}/{Name} from {RolloutSource}");
        output.WriteLine($"ApisixRoutes from {RoutesSource}");
        output.WriteLine($"plugin {PluginName}: canary {Canary}, stable {Stable}");
    }
}
