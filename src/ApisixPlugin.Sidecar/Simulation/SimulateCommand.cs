using System.Text.Json.Nodes;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Kubernetes.Manifests;
using ApisixPlugin.Routing.Store;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>
/// <c>apisix-plugin simulate</c>: what a Rollout would do to ApisixRoutes, step by step, computed by
/// the sidecar's own service code against routes held in memory. Exit code 0 when every call
/// succeeded, 1 when a call failed or an input could not be read (2 for a bad command line, from
/// <see cref="SimulateArguments"/>).
/// </summary>
internal static class SimulateCommand
{
    public static async Task<int> RunAsync(SimulateArguments arguments, TextWriter output, TextWriter error)
    {
        try
        {
            return await ReplayAsync(arguments, output, error).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SimulationInputException or ManifestYamlException)
        {
            await error.WriteLineAsync($"simulate: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static async Task<int> ReplayAsync(SimulateArguments arguments, TextWriter output, TextWriter error)
    {
        var inputs = SimulationInputs.Load(arguments.RolloutFile, arguments.RoutesFile);
        var rollout = RolloutDocument.From(inputs.Rollout(), arguments.PluginName, inputs.RolloutSource);
        var routes = inputs.Routes();

        var store = new InMemoryApisixRouteStore();
        foreach (var route in routes)
        {
            Seed(store, route, rollout.Rollout.Namespace, inputs.RoutesSource);
        }

        output.WriteLine($"Rollout {rollout.Rollout.Namespace}/{rollout.Rollout.Name} from {inputs.RolloutSource}");
        output.WriteLine($"ApisixRoutes from {inputs.RoutesSource}");
        output.WriteLine($"plugin {arguments.PluginName}: canary {rollout.Rollout.CanaryService}, stable {rollout.Rollout.StableService}");
        output.WriteLine();

        using var printer = new RouteChangePrinter(store, output, arguments.Format, arguments.Diff);
        printer.PrintInitial();
        output.WriteLine();

        await using var router = new InProcessRouter(store, arguments.PluginName);
        var replay = new CanaryReplay(router, printer, output, rollout.Rollout);
        await replay.RunAsync(rollout.Steps).ConfigureAwait(false);

        output.WriteLine();
        output.WriteLine($"result: {replay.Calls} calls, {replay.Failures} failed");
        if (replay.Failures > 0)
        {
            await error.WriteLineAsync($"simulate: {replay.Failures} of the replayed steps or calls failed (see above)").ConfigureAwait(false);
            return 1;
        }

        return 0;
    }

    /// <summary>A route without a namespace lands in the Rollout's, as a <c>kubectl apply -n</c> beside it would.</summary>
    private static void Seed(InMemoryApisixRouteStore store, JsonObject route, string rolloutNamespace, string source)
    {
        if (route["metadata"] is not JsonObject metadata || RolloutDocument.Text(metadata["name"]) is null)
        {
            throw new SimulationInputException($"{source}: an ApisixRoute has no metadata.name");
        }

        metadata["namespace"] ??= rolloutNamespace;
        var key = $"{RolloutDocument.Text(metadata["namespace"])}/{RolloutDocument.Text(metadata["name"])}";
        if (store.All().Any(r => r.Key == key))
        {
            throw new SimulationInputException($"{source}: ApisixRoute {key} appears twice");
        }

        store.Seed(JsonElements.ToElement(route));
    }
}
