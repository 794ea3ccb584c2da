using System.Diagnostics;
using ApisixPlugin.Contracts;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Kubernetes.Store;
using ApisixPlugin.Protos.V1;
using ApisixPlugin.Routing.Telemetry;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ApisixPlugin.Sidecar.Grpc;

/// <summary>
/// Turns the router's failures into the contract's status codes, marked as the sidecar's own
/// answer (<see cref="SidecarTrailers.Answered"/>) so the bridge never blames the sidecar for the
/// API server; gives each call its API retry budget, ending before the caller's deadline; and
/// counts and times every call, so that the service methods stay a mapping and a delegation.
/// </summary>
internal sealed class RouterErrorInterceptor(ILogger<RouterErrorInterceptor> logger, ApiRequestPolicy policy) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var method = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        var started = Stopwatch.GetTimestamp();
        var outcome = StatusCode.OK;
        using var budget = ApiCallBudget.Begin(Budget(context.Deadline));
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (RouterException e)
        {
            outcome = ToStatusCode(e.Kind);
            SidecarLog.CallFailed(logger, RolloutOf(request), method, outcome.ToString(), e.Message);
            throw new RpcException(new Status(outcome, e.Message), Answered());
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            outcome = StatusCode.Cancelled;
            throw new RpcException(new Status(outcome, $"{method} was cancelled by the caller (deadline or disconnect)"));
        }
        catch (Exception e) when (e is not RpcException)
        {
            outcome = StatusCode.Internal;
            SidecarLog.CallCrashed(logger, RolloutOf(request), method, e);
            throw new RpcException(new Status(outcome, $"{method} failed unexpectedly: {e.Message}"), Answered());
        }
        finally
        {
            var tags = new TagList { { "method", method }, { "outcome", outcome.ToString() } };
            RouterMetrics.Calls.Add(1, tags);
            RouterMetrics.CallDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("method", method));
        }
    }

    /// <summary>The policy's budget, or less: what is left of the caller's deadline minus a margin for the answer to travel back.</summary>
    private TimeSpan Budget(DateTime deadline)
    {
        var left = deadline == DateTime.MaxValue ? policy.CallBudget : deadline.ToUniversalTime() - DateTime.UtcNow - TimeSpan.FromSeconds(2);
        return left < policy.CallBudget ? (left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1)) : policy.CallBudget;
    }

    /// <summary>namespace/name of the call's Rollout, so a failure line tells the operator whose step failed.</summary>
    private static string RolloutOf(object request) =>
        request is IRolloutRequest { Rollout: { } rollout } ? $"{rollout.Namespace}/{rollout.Name}" : "(none)";

    private static Metadata Answered() => [new Metadata.Entry(SidecarTrailers.Answered, "true")];

    internal static StatusCode ToStatusCode(RouterErrorKind kind) => kind switch
    {
        RouterErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        RouterErrorKind.FailedPrecondition => StatusCode.FailedPrecondition,
        RouterErrorKind.PermissionDenied => StatusCode.PermissionDenied,
        RouterErrorKind.Aborted => StatusCode.Aborted,
        RouterErrorKind.Unavailable => StatusCode.Unavailable,
        RouterErrorKind.DeadlineExceeded => StatusCode.DeadlineExceeded,
        _ => StatusCode.Unknown,
    };
}
