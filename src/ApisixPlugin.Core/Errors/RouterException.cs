namespace ApisixPlugin.Core.Errors;

/// <summary>What went wrong, in the terms the gRPC contract maps onto status codes.</summary>
public enum RouterErrorKind
{
    /// <summary>The plugin configuration or a call argument is wrong.</summary>
    InvalidArgument,
    /// <summary>A configured route, rule or backend is missing, or a name is taken by a route the Rollout does not own.</summary>
    FailedPrecondition,
    /// <summary>The plugin may not read or write a route.</summary>
    PermissionDenied,
    /// <summary>Concurrent edits kept conflicting after bounded retries.</summary>
    Aborted,
    /// <summary>The Kubernetes API server could not be reached, or kept failing, within the call's budget.</summary>
    Unavailable,
    /// <summary>The Kubernetes API server did not answer within the call's budget.</summary>
    DeadlineExceeded,
}

/// <summary>
/// A failure that is the caller's or the cluster's, not a bug: its message names the route, rule,
/// field or value at fault, and nothing was written when it was raised before a write.
/// </summary>
public sealed class RouterException(RouterErrorKind kind, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public RouterErrorKind Kind { get; } = kind;

    public static RouterException Invalid(string message) => new(RouterErrorKind.InvalidArgument, message);

    public static RouterException Precondition(string message) => new(RouterErrorKind.FailedPrecondition, message);
}
