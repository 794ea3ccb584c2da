using System.Text.Json.Nodes;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Kubernetes.Manifests;
using ApisixPlugin.Routing.Store;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>
/// <c>apisix-plugin simulate</c>: what a Rollout would do to ApisixRoutes, step by step, computed by
/// the sidecar's own service code against routes held in memory. Exit code 0 when every call
/// succeeded, 1 when a step failed (the replay stops there) or an input could not be read (2 for
/// a bad command line, from <see cref="SimulateArguments"/>).
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
        if (arguments.AbortAfter is { } abort && (abort < 1 || abort > rollout.Steps.Count))
        {
            throw new SimulationInputException(
                $"--abort-at {abort}: {inputs.RolloutSource} has {rollout.Steps.Count} steps, so it must be 1 to {rollout.Steps.Count}");
        }

        var store = new InMemoryApisixRouteStore();
        foreach (var route in inputs.Routes())
        {
            Seed(store, route, rollout.Rollout.Namespace, inputs.RoutesSource);
        }

        ReplayRecord record;
        await using (var router = new InProcessRouter(store, arguments.PluginName))
        {
            record = await new CanaryReplay(router, store, rollout.Rollout).RunAsync(rollout.Steps, arguments.AbortAfter).ConfigureAwait(false);
        }

        var header = new ReplayHeader(rollout.Rollout.Namespace, rollout.Rollout.Name, inputs.RolloutSource, inputs.RoutesSource,
            arguments.PluginName, rollout.Rollout.CanaryService, rollout.Rollout.StableService);
        if (arguments.Json)
        {
            await output.WriteAsync(JsonReport.Write(header, record)).ConfigureAwait(false);
        }
        else
        {
            new TextReport(output, arguments.Diff).Write(header, record);
        }

        if (record.FailedStep is { } failed)
        {
            var reason = failed.Calls.FirstOrDefault(c => !c.Succeeded) is { } call ? $"{call.Call}: {call.Outcome}" : string.Join("; ", failed.Notes);
            await error.WriteLineAsync($"simulate: {TextReport.Name(failed)} ({failed.Title}) failed, so the replay stopped there: {reason}").ConfigureAwait(false);
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
