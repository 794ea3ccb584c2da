using System.Collections.Immutable;

namespace ApisixPlugin.Core.Configuration;

/// <summary>The four operators of a Kubernetes label selector's <c>matchExpressions</c>.</summary>
public enum LabelOperator
{
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// <summary>One <c>matchExpressions</c> entry.</summary>
public sealed record LabelRequirement(string Key, LabelOperator Operator, ImmutableArray<string> Values)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels) => Operator switch
    {
        LabelOperator.In => labels.TryGetValue(Key, out var v) && Values.Contains(v),
        LabelOperator.NotIn => !labels.TryGetValue(Key, out var v) || !Values.Contains(v),
        LabelOperator.Exists => labels.ContainsKey(Key),
        _ => !labels.ContainsKey(Key),
    };
}

/// <summary>
/// <c>routeSelector</c>: the ApisixRoutes of one namespace whose labels match, found anew on every
/// call, so that a route labelled between two steps is steered from the next one. Empty
/// <see cref="Rules"/> means every rule that has both the canary and the stable backend.
/// </summary>
public sealed record RouteSelector(
    string Namespace,
    ImmutableSortedDictionary<string, string> MatchLabels,
    ImmutableArray<LabelRequirement> MatchExpressions,
    ImmutableArray<string> Rules)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels) =>
        MatchLabels.All(l => labels.TryGetValue(l.Key, out var v) && v == l.Value) && MatchExpressions.All(e => e.Matches(labels));

    /// <summary>The selector in the API server's <c>labelSelector</c> query syntax, which is also how kubectl -l spells it.</summary>
    public string ToQuery()
    {
        var parts = MatchLabels.Select(l => $"{l.Key}={l.Value}").ToList();
        foreach (var e in MatchExpressions)
        {
            parts.Add(e.Operator switch
            {
                LabelOperator.In => $"{e.Key} in ({string.Join(",", e.Values)})",
                LabelOperator.NotIn => $"{e.Key} notin ({string.Join(",", e.Values)})",
                LabelOperator.Exists => e.Key,
                _ => $"!{e.Key}",
            });
        }

        return string.Join(",", parts);
    }

    /// <summary>How messages name it: the namespace and the query a user can paste into kubectl.</summary>
    public override string ToString() => $"routeSelector '{ToQuery()}' in namespace '{Namespace}'";
}
