using System.Text.Json.Nodes;
using ApisixPlugin.Kubernetes.Manifests;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>
/// The two YAML inputs of a simulation: files the user names, or the guide's example compiled
/// into the program (deploy/examples), which is why <c>simulate</c> alone works from any folder.
/// </summary>
internal sealed record SimulationInputs(string RolloutSource, string RolloutYaml, string RoutesSource, string RoutesYaml)
{
    public const string EmbeddedRollout = "examples/rollout.yaml";
    public const string EmbeddedRoutes = "examples/apisixroute.yaml";

    public static SimulationInputs Load(string? rolloutFile, string? routesFile)
    {
        var (rolloutSource, rolloutYaml) = rolloutFile is null ? Embedded(EmbeddedRollout) : (rolloutFile, ReadFile(rolloutFile));
        var (routesSource, routesYaml) = routesFile is null ? Embedded(EmbeddedRoutes) : (routesFile, ReadFile(routesFile));
        return new SimulationInputs(rolloutSource, rolloutYaml, routesSource, routesYaml);
    }

    /// <summary>The first document of kind Rollout; other documents in the file are ignored.</summary>
    public JsonObject Rollout() =>
        ManifestYaml.ReadDocuments(RolloutYaml, RolloutSource).OfType<JsonObject>().FirstOrDefault(d => IsKind(d, "Rollout"))
        ?? throw new SimulationInputException($"{RolloutSource}: no document of kind Rollout");

    /// <summary>Every ApisixRoute document, in file order; Services and the like are ignored.</summary>
    public IReadOnlyList<JsonObject> Routes()
    {
        var routes = ManifestYaml.ReadDocuments(RoutesYaml, RoutesSource).OfType<JsonObject>().Where(d => IsKind(d, "ApisixRoute")).ToList();
        return routes.Count > 0 ? routes : throw new SimulationInputException($"{RoutesSource}: no document of kind ApisixRoute");
    }

    private static bool IsKind(JsonObject document, string kind) =>
        document["kind"] is JsonValue v && v.TryGetValue<string>(out var k) && k == kind;

    private static (string Source, string Text) Embedded(string name)
    {
        using var stream = typeof(SimulationInputs).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the build did not embed {name}");
        using var reader = new StreamReader(stream);
        return ($"(built-in) deploy/{name}", reader.ReadToEnd());
    }

    private static string ReadFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new SimulationInputException($"{path}: is a folder; name a YAML file");
        }

        if (!File.Exists(path))
        {
            throw new SimulationInputException($"{path}: no such file");
        }

        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SimulationInputException($"{path}: cannot be read: {e.Message}");
        }
    }
}

/// <summary>A Rollout or ApisixRoute file that cannot be simulated; the message names the file and place.</summary>
internal sealed class SimulationInputException(string message) : Exception(message);
