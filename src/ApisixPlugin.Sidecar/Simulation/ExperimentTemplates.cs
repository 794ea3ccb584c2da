using System.Globalization;
using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>
/// The traffic an experiment step sends to its templates: one additional destination per template
/// with a weight, named as the controller names its Service (templates[].service.name, else the
/// experiment ReplicaSet's name, which holds a pod-template hash a manifest cannot know).
/// </summary>
internal sealed record ExperimentTemplates(IReadOnlyList<WeightDestination> Destinations, IReadOnlyList<string> Notes)
{
    public static ExperimentTemplates Read(JsonNode? experiment, string rolloutName)
    {
        var destinations = new List<WeightDestination>();
        var notes = new List<string>();
        foreach (var template in Templates(experiment))
        {
            if (Weight(template) is not { } weight)
            {
                continue;
            }

            var name = RolloutDocument.Text(template["name"]) ?? "";
            var service = RolloutDocument.Text(template["service"]?["name"]);
            if (service is null)
            {
                service = $"{rolloutName}-{name}";
                notes.Add($"template '{name}' has no service.name: the controller names its Service after the experiment's ReplicaSet "
                    + $"(<rollout>-<pod-template-hash>-<revision>-<step index>-<template>); shown here as {service}");
            }

            destinations.Add(new WeightDestination { ServiceName = service, Weight = weight });
        }

        return new ExperimentTemplates(destinations, notes);
    }

    /// <summary>" a=10, b" for the step's title: each template, with its weight when it has one.</summary>
    public static string Describe(JsonNode? experiment)
    {
        var parts = Templates(experiment).Select(t => RolloutDocument.Text(t["name"]) + (Weight(t) is { } n
            ? "=" + n.ToString(CultureInfo.InvariantCulture)
            : "")).ToList();
        return parts.Count == 0 ? "" : " " + string.Join(", ", parts);
    }

    /// <summary>The template's weight; the Rollout CRD holds it as a 32-bit integer.</summary>
    private static int? Weight(JsonObject template) =>
        template["weight"] is JsonValue w && w.TryGetValue<long>(out var n) && n is >= int.MinValue and <= int.MaxValue ? (int)n : null;

    private static IEnumerable<JsonObject> Templates(JsonNode? experiment) =>
        experiment?["templates"] is JsonArray templates ? templates.OfType<JsonObject>() : [];
}
