namespace ApisixPlugin.Kubernetes.Store;

/// <summary>
/// How long a request to the API server may take, and how long one traffic-router call may spend
/// on retrying transient failures (429, 5xx, resets, timeouts) before it gives up with an error
/// that names the API server. client-go retries the same failures; the budget ends before the
/// bridge's own deadline (30 s by default), so the controller hears why instead of "no answer".
/// </summary>
public sealed record ApiRequestPolicy(TimeSpan RequestTimeout, TimeSpan CallBudget)
{
    public static readonly ApiRequestPolicy Default = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20));
}

/// <summary>
/// The end of the current traffic-router call's retry budget, for every API request the call makes
/// (reads and writes of several routes share it). The gRPC host begins one per call from the
/// call's own deadline; requests outside any call (tests, tools) get a budget of their own each.
/// </summary>
public static class ApiCallBudget
{
    private static readonly AsyncLocal<DateTime?> End = new();

    /// <summary>The budget's end for requests made from here on in this async flow, until disposed.</summary>
    public static Scope Begin(TimeSpan budget)
    {
        var previous = End.Value;
        End.Value = DateTime.UtcNow + budget;
        return new Scope(previous);
    }

    /// <summary>When the current call's budget ends; <paramref name="fallback"/> from now when no call began one.</summary>
    internal static DateTime EndOr(TimeSpan fallback) => End.Value ?? DateTime.UtcNow + fallback;

    public readonly struct Scope(DateTime? previous) : IDisposable
    {
        public void Dispose() => End.Value = previous;
    }
}
