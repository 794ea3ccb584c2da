using System.Diagnostics;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Routing.Telemetry;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ApisixPlugin.Sidecar.Grpc;

/// <summary>
/// Turns the router's failures into the contract's status codes, and counts and times every call,
/// so that the service methods stay a mapping and a delegation.
/// </summary>
internal sealed class RouterErrorInterceptor(ILogger<RouterErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var method = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        var started = Stopwatch.GetTimestamp();
        var outcome = StatusCode.OK;
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (RouterException e)
        {
            outcome = ToStatusCode(e.Kind);
            SidecarLog.CallFailed(logger, method, outcome.ToString(), e.Message);
            throw new RpcException(new Status(outcome, e.Message));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            outcome = StatusCode.Cancelled;
            throw new RpcException(new Status(outcome, $"{method} was cancelled by the caller (deadline or disconnect)"));
        }
        catch (Exception e) when (e is not RpcException)
        {
            outcome = StatusCode.Internal;
            SidecarLog.CallCrashed(logger, method, e);
            throw new RpcException(new Status(outcome, $"{method} failed unexpectedly: {e.Message}"));
        }
        finally
        {
            var tags = new TagList { { "method", method }, { "outcome", outcome.ToString() } };
            RouterMetrics.Calls.Add(1, tags);
            RouterMetrics.CallDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("method", method));
        }
    }

    internal static StatusCode ToStatusCode(RouterErrorKind kind) => kind switch
    {
        RouterErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        RouterErrorKind.FailedPrecondition => StatusCode.FailedPrecondition,
        RouterErrorKind.PermissionDenied => StatusCode.PermissionDenied,
        RouterErrorKind.Aborted => StatusCode.Aborted,
        RouterErrorKind.Unavailable => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };
}
