using System.Collections.Immutable;
using System.Globalization;
using ApisixPlugin.Core.ManagedRoutes;

namespace ApisixPlugin.Core.Traffic;

/// <summary>How APISIX treats a rule's backends once the ingress controller has translated them.</summary>
public enum SplitOutcome
{
    /// <summary>Requests are shared among the backends as <see cref="RuleSplit.Backends"/> says.</summary>
    Split,

    /// <summary>No backend is left to send requests to (every Service missing, on 2.x).</summary>
    NoBackend,

    /// <summary>The controller or APISIX refuses the rule (or, on 1.x, the whole route); nothing of it is served as written.</summary>
    Rejected,

    /// <summary>The rule holds something whose share this code does not compute (ApisixUpstream references).</summary>
    NotComputed,
}

/// <summary>
/// One backend's share of a rule's requests. <paramref name="Percent"/> is rounded to one
/// decimal, so the shares of a rule can add up to 99.9 or 100.1.
/// </summary>
/// <param name="Role">"canary", "stable" or "other".</param>
/// <param name="Weight">The weight APISIX uses: the field, or 100 when it is absent.</param>
/// <param name="Skipped">Why the backend gets nothing although it is listed (its Service is missing), or null.</param>
public sealed record BackendShare(string ServiceName, string Role, int Weight, decimal Percent, string? Skipped = null)
{
    /// <summary>"20.0% canary (svc)", or "20.0% canary" without the service; "5.0% svc" for a backend that is neither canary nor stable.</summary>
    public string Describe(bool withService = true)
    {
        var percent = Format(Percent);
        var who = Role is "canary" or "stable" ? withService ? $"{Role} ({ServiceName})" : Role : ServiceName;
        return Skipped is null ? $"{percent} {who}" : $"{percent} {who}, {Skipped}";
    }

    public static string Format(decimal percent) => percent.ToString("0.0", CultureInfo.InvariantCulture) + "%";
}

/// <summary>
/// The requests one rule takes, as APISIX will share them: per backend, or why they are not
/// shared as written. <paramref name="Notes"/> say what the numbers assume.
/// </summary>
public sealed record RuleSplit(
    string Route,
    string Rule,
    int Priority,
    SplitOutcome Outcome,
    ImmutableArray<BackendShare> Backends,
    string? Problem,
    ImmutableArray<string> Notes)
{
    /// <summary>The backend of <paramref name="role"/>'s share, 0 when it has none; null when the rule is not split.</summary>
    public decimal? PercentOf(string role) =>
        Outcome == SplitOutcome.Split ? Backends.Where(b => b.Role == role).Sum(b => b.Percent) : null;

    /// <summary>"20.0% canary (a), 80.0% stable (b)"; canary first, then stable, then the others as listed.</summary>
    public string Describe(bool withServices = true) => Outcome switch
    {
        SplitOutcome.Split => string.Join(", ", Backends.OrderBy(b => b.Role switch { "canary" => 0, "stable" => 1, _ => 2 }).Select(b => b.Describe(withServices))),
        _ => Problem ?? Outcome.ToString(),
    };
}

/// <summary>A proxy-mirror plugin on a mirror route's rule: a copy of the sampled requests to a host, whose answers are ignored.</summary>
public sealed record MirrorCopy(string Host, string? ServiceName, decimal Percent);

/// <summary>
/// A rule of a managed (header or mirror) route that sits over a source rule: the same paths and
/// hosts, a higher priority, and extra conditions. The requests that meet the conditions go by
/// its split instead of the source rule's.
/// </summary>
/// <param name="Kind">"header" or "mirror" (the managed-kind annotation).</param>
/// <param name="Condition">The conditions it adds, e.g. "header trace=debug".</param>
public sealed record ManagedRuleSplit(string Route, string Kind, string Condition, RuleSplit Split, MirrorCopy? Mirror)
{
    /// <summary>
    /// "header trace=debug -> 100.0% canary", "mirror path~^/api -> ..."; the source rule's line
    /// has named the canary and stable Services already.
    /// </summary>
    public string Describe()
    {
        // A header route's condition names its headers already: "header trace=debug".
        var text = $"{(Kind == HeaderRouteBuilder.Kind ? "" : Kind + " ")}{Condition} -> {Split.Describe(withServices: false)}";
        if (Mirror is { } mirror)
        {
            text += $", and a copy of {BackendShare.Format(mirror.Percent)} mirrored to {mirror.ServiceName ?? mirror.Host}";
        }

        return text;
    }
}

/// <summary>
/// A source rule's requests in full: the managed rules over it, highest priority first (the first
/// one a request matches takes it), then the rule itself for every other request.
/// </summary>
public sealed record RuleTraffic(RuleSplit Source, ImmutableArray<ManagedRuleSplit> Managed)
{
    /// <summary>"20.0% canary (a), 80.0% stable (b); header trace=debug -> 100.0% canary".</summary>
    public string Describe() =>
        string.Join("; ", Managed.Select(m => m.Describe()).Prepend(Source.Describe()));

    public IEnumerable<string> AllNotes() => Source.Notes.Concat(Managed.SelectMany(m => m.Split.Notes)).Distinct(StringComparer.Ordinal);
}
