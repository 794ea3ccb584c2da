using Grpc.Core;

namespace ApisixPlugin.Bridge.Sidecar;

/// <summary>
/// Turns a failed sidecar call into the RpcError text the controller logs and shows on the
/// Rollout: which call, the gRPC status code name, and the sidecar's own message.
/// </summary>
internal static class SidecarErrorText
{
    public static string For(string method, RpcException error, string socketPath, TimeSpan timeout) => error.StatusCode switch
    {
        StatusCode.DeadlineExceeded =>
            $"{method}: apisix sidecar at {socketPath} did not answer within {timeout.TotalSeconds:0.###}s (DeadlineExceeded)",
        StatusCode.Unavailable =>
            $"{method}: apisix sidecar at {socketPath} is unavailable (Unavailable): {error.Status.Detail}",
        _ => $"{method}: {error.StatusCode}: {error.Status.Detail}",
    };
}
