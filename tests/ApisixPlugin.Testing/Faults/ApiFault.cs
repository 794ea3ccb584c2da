namespace ApisixPlugin.Testing.Faults;

/// <summary>What the fault proxy does to one request instead of forwarding it.</summary>
public abstract record ApiFault
{
    /// <summary>Answer with this status (and Retry-After seconds, when given) without asking the API server.</summary>
    public sealed record Status(int Code, int? RetryAfterSeconds = null) : ApiFault;

    /// <summary>Abort the request's stream: the client sees the connection fail mid-request.</summary>
    public sealed record Reset : ApiFault;

    /// <summary>Never answer: hold the request until the client gives up on it.</summary>
    public sealed record Stall : ApiFault;

    /// <summary>Forward the request (the API server applies it), then abort instead of answering: the answer is lost.</summary>
    public sealed record LoseAnswer : ApiFault;
}

/// <summary>One request as the proxy saw it, numbered per method from 1 (every request counts, faulted or not).</summary>
public sealed record ApiRequest(string Method, string Path, int NumberOfMethod);
