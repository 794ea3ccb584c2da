using System.Net.Sockets;
using System.Text.RegularExpressions;
using ApisixPlugin.Contracts;
using Grpc.Core;

namespace ApisixPlugin.Bridge.Sidecar;

/// <summary>
/// Turns a failed sidecar call into the RpcError text the controller logs and shows on the
/// Rollout: which call, the gRPC status code name, and whose fault it is. A status the sidecar
/// answered with (it carries <see cref="SidecarTrailers.Answered"/>) is passed on with the
/// sidecar's own message, which names the route or the API server; only a call the sidecar never
/// answered is reported as the sidecar's, with what to check instead of the transport's words.
/// </summary>
internal static partial class SidecarErrorText
{
    public static string For(string method, RpcException error, string socketPath, TimeSpan timeout) =>
        error.Trailers.Get(SidecarTrailers.Answered) is not null
            ? $"{method}: {error.StatusCode}: {error.Status.Detail}"
            : error.StatusCode switch
            {
                StatusCode.DeadlineExceeded =>
                    $"{method}: apisix sidecar at {socketPath} did not answer within {timeout.TotalSeconds:0.###}s (DeadlineExceeded)",
                // The client made the status itself (no connection, or the connection failed as the
                // call started, which it reports as Internal "Error starting gRPC call").
                _ when error.StatusCode == StatusCode.Unavailable || error.Status.DebugException is not null =>
                    $"{method}: apisix sidecar at {socketPath} is unavailable ({error.StatusCode}): {WhyUnreachable(error, socketPath)}",
                _ => $"{method}: {error.StatusCode}: {error.Status.Detail}",
            };

    /// <summary>
    /// What an operator checks. A Unix socket's transport errors read as if it were TCP
    /// ("Cannot assign requested address (sidecar:80)" for a missing file), so they are translated.
    /// </summary>
    private static string WhyUnreachable(RpcException error, string socketPath)
    {
        if (!File.Exists(socketPath))
        {
            return "no socket file there; check that the apisix-plugin sidecar container is running and mounts the socket's volume";
        }

        var socket = Innermost<SocketException>(error.Status.DebugException);
        if (socket?.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return "the socket file exists but nothing accepts connections on it; the sidecar is starting, restarting or has stopped (see its log)";
        }

        var cause = socket?.Message ?? Innermost<Exception>(error.Status.DebugException)?.Message ?? error.Status.Detail;
        return EndpointSuffix().Replace(cause, "");
    }

    private static T? Innermost<T>(Exception? error)
        where T : Exception
    {
        T? found = null;
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is T match)
            {
                found = match;
            }
        }

        return found;
    }

    /// <summary>The " (sidecar:80)" SocketsHttpHandler appends: the placeholder authority, not a place to look.</summary>
    [GeneratedRegex(@" \([^()\s]+:\d+\)$")]
    private static partial Regex EndpointSuffix();
}
