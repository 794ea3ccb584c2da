using System.Collections.Immutable;
using System.Text.Json;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Weights;

/// <summary>A configured rule whose backends list the split changes, with what writing the new list needs.</summary>
internal sealed record ChangedRule(RouteRule Rule, RouteBackend Stable, ImmutableSortedSet<string> AddedBefore, WeightSplit Split)
{
    /// <summary>Writes the rule's new backends list (when the patch is serialized).</summary>
    public void WriteBackends(Utf8JsonWriter writer) => BackendsListWriter.Write(writer, this);
}

/// <summary>
/// What a weight split does to the backends list of one rule. Every backend the split owns gets
/// its weight, someone else's backend is carried through untouched, an experiment backend of an
/// earlier step that the split no longer names is dropped, and a new experiment is appended.
/// <para>
/// This class only decides: whether a list changes is decided from the values read (weights,
/// service names), without building the new list. <see cref="BackendsListWriter"/> writes the new
/// list of a changed rule when the patch is serialized. RESULTS.md (translation) has what building
/// node trees per rule cost instead.
/// </para>
/// </summary>
internal static class BackendsRewrite
{
    /// <summary>
    /// Checks that the split can be applied to <paramref name="rule"/> and returns what rewriting it
    /// needs, or null when its backends already are what the split asks for. The checks run in the
    /// order of the messages a caller has always seen for a rule that breaks several of them.
    /// </summary>
    public static ChangedRule? Check(ApisixRouteSnapshot route, RouteRule rule, WeightSplit split, ImmutableSortedSet<string> addedBefore)
    {
        _ = route.RequireBackend(rule, split.CanaryService, "canary");
        var stable = route.RequireBackend(rule, split.StableService, "stable");

        // The new list equals the old one exactly when every owned backend already has its weight
        // (as a JSON number) and no backend is dropped or added: service names are unique in a
        // rule, so dropping or adding one always changes the list.
        var unchanged = true;
        foreach (var backend in rule.Backends)
        {
            var owned = split.WeightOf(backend.ServiceName);
            var isExperiment = owned is not null && backend.ServiceName != split.CanaryService && backend.ServiceName != split.StableService;
            if (isExperiment && !addedBefore.Contains(backend.ServiceName))
            {
                throw RouterException.Precondition(
                    $"route {route.Key} rule '{rule.Name}': backend '{backend.ServiceName}' was not added by this plugin, so it will not take it over as an experiment destination");
            }

            if (owned is { } weight)
            {
                unchanged &= HasWeight(backend, weight);
            }
            else if (addedBefore.Contains(backend.ServiceName))
            {
                unchanged = false;
            }
        }

        foreach (var destination in split.Additional)
        {
            unchanged &= rule.HasBackend(destination.ServiceName);
        }

        if (TotalWeight(rule, split, addedBefore) <= 0)
        {
            // APISIX spreads traffic evenly when every weight is 0: never write that.
            throw RouterException.Invalid($"route {route.Key} rule '{rule.Name}': the split {split} would give every backend weight 0");
        }

        return unchanged ? null : new ChangedRule(rule, stable, addedBefore, split);
    }

    /// <summary>
    /// Whether the backend's weight already equals <paramref name="weight"/> as JSON values
    /// compare (so 20.0 equals 20): then rewriting it would give an equal list.
    /// </summary>
    private static bool HasWeight(RouteBackend backend, int weight)
    {
        // A plain integer (read with the backend) is the common case; any other spelling of a
        // number is compared as JSON.
        if (backend.Weight is { } value)
        {
            return value == weight;
        }

        return backend.Json.TryGetProperty("weight"u8, out var current) && current.ValueKind == JsonValueKind.Number
            && JsonElement.DeepEquals(current, JsonElements.Number(weight));
    }

    /// <summary>The sum of the weights the new list would have; absent or non-integer weights count as APISIX's default.</summary>
    private static long TotalWeight(RouteRule rule, WeightSplit split, ImmutableSortedSet<string> addedBefore)
    {
        var total = 0L;
        foreach (var backend in rule.Backends)
        {
            if (split.WeightOf(backend.ServiceName) is { } weight)
            {
                total = checked(total + weight);
            }
            else if (!addedBefore.Contains(backend.ServiceName))
            {
                total = checked(total + (backend.Weight ?? CarriedWeight(backend.Json)));
            }
        }

        foreach (var destination in split.Additional)
        {
            if (!rule.HasBackend(destination.ServiceName))
            {
                total = checked(total + destination.Weight);
            }
        }

        return total;
    }

    /// <summary>A weight that is not a plain 32-bit integer, as the total counts it: a larger integer as is, anything else as the default.</summary>
    private static long CarriedWeight(JsonElement backend) =>
        backend.TryGetProperty("weight"u8, out var w) && w.TryGetInt64(out var n) ? n : RouteBackend.DefaultWeight;
}
