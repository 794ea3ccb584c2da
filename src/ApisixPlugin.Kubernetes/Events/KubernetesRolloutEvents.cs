using System.Threading.Channels;
using ApisixPlugin.Kubernetes.Telemetry;
using ApisixPlugin.Routing.Events;
using ApisixPlugin.Routing.Telemetry;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ApisixPlugin.Kubernetes.Events;

/// <summary>
/// Writes core/v1 Events on the Rollout from a background queue, so that an event never adds an
/// API round trip to a traffic-router call. When the queue is full the oldest event is dropped:
/// events are for people, and losing one is better than slowing a rollout. Events of one Rollout
/// and reason are paced (<see cref="EventPacer"/>): at most one a second, the last one always.
/// </summary>
internal sealed class KubernetesRolloutEvents(IKubernetes client, ILogger<KubernetesRolloutEvents> logger, TimeProvider time)
    : BackgroundService, IRolloutEvents
{
    private const string Component = "apisix-plugin";

    public static readonly TimeSpan PacingWindow = TimeSpan.FromSeconds(1);

    /// <summary>How long a stopping sidecar spends on the Events left: well inside a pod's 30 s grace period.</summary>
    public static readonly TimeSpan StopWriteTimeout = TimeSpan.FromSeconds(5);

    private readonly Channel<RolloutEvent> _queue = Channel.CreateBounded<RolloutEvent>(
        new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly EventPacer _pacer = new(PacingWindow);

    public void Record(RolloutEvent rolloutEvent) => _queue.Writer.TryWrite(rolloutEvent);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Writes outlive the stop signal by StopWriteTimeout: one in flight then is finished, and
        // what is left is written after it (WriteLeftOnStopAsync).
        using var writesEnd = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var onStop = stoppingToken.Register(() => writesEnd.CancelAfter(StopWriteTimeout));
        try
        {
            await WriteUntilStoppedAsync(stoppingToken, writesEnd.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await WriteLeftOnStopAsync(writesEnd.Token).ConfigureAwait(false);
    }

    private async Task WriteUntilStoppedAsync(CancellationToken stoppingToken, CancellationToken writesEnd)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var due in _pacer.Due(time.GetUtcNow()))
            {
                await WriteAsync(due, writesEnd).ConfigureAwait(false);
            }

            if (!await WaitForEventAsync(stoppingToken).ConfigureAwait(false))
            {
                continue;
            }

            while (_queue.Reader.TryRead(out var item))
            {
                if (_pacer.Offer(item, time.GetUtcNow()) is { } now)
                {
                    await WriteAsync(now, writesEnd).ConfigureAwait(false);
                }
                else
                {
                    RouterMetrics.EventsHeld.Add(1);
                }
            }
        }
    }

    /// <summary>
    /// A stopping sidecar (a rolled pod, a new image) writes what is queued and held at once, paced
    /// as ever, until <paramref name="writesEnd"/>: the window's end would never come, and a held
    /// Event is the last word of a step. The log line counts what was not written; an
    /// Event recorded after this is not.
    /// </summary>
    private async Task WriteLeftOnStopAsync(CancellationToken writesEnd)
    {
        var now = time.GetUtcNow();
        var left = new List<RolloutEvent>();
        while (_queue.Reader.TryRead(out var item))
        {
            if (_pacer.Offer(item, now) is { } written)
            {
                left.Add(written);
            }
        }

        left.AddRange(_pacer.TakeAll(now));
        if (left.Count == 0)
        {
            return;
        }

        var count = 0;
        try
        {
            foreach (var item in left)
            {
                count += await WriteAsync(item, writesEnd).ConfigureAwait(false) ? 1 : 0;
            }
        }
        catch (OperationCanceledException) when (writesEnd.IsCancellationRequested)
        {
        }

        KubernetesLog.EventsWrittenOnStop(logger, count, left.Count - count);
    }

    /// <summary>Waits for a queued event, or until the next held one is due (false then).</summary>
    private async Task<bool> WaitForEventAsync(CancellationToken stoppingToken)
    {
        var next = _pacer.NextDue();
        if (next is null)
        {
            return await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false);
        }

        // Never longer than a window: a clock set back would otherwise put the next one far off.
        var untilDue = next.Value - time.GetUtcNow();
        var delay = untilDue < _pacer.Window ? untilDue : _pacer.Window;
        if (delay <= TimeSpan.Zero)
        {
            return false;
        }

        using var due = new CancellationTokenSource(delay, time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, due.Token);
        try
        {
            return await _queue.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Writes one Event: false when that failed (logged, dropped); only <paramref name="writesEnd"/> throws.</summary>
    private async Task<bool> WriteAsync(RolloutEvent item, CancellationToken writesEnd)
    {
        try
        {
            RouterMetrics.ApiRequests.Add(1, new KeyValuePair<string, object?>("verb", "create-event"));
            await client.CoreV1.CreateNamespacedEventAsync(ToEvent(item), item.Rollout.Namespace, cancellationToken: writesEnd).ConfigureAwait(false);
            return true;
        }
        // Only stopping ends the loop: the client's own request timeout is a TaskCanceledException
        // too, and an Event that timed out must not end the sidecar.
        catch (Exception e) when (!writesEnd.IsCancellationRequested)
        {
            KubernetesLog.EventFailed(logger, item.Rollout.Key, e);
            return false;
        }
    }

    internal static Corev1Event ToEvent(RolloutEvent item)
    {
        var now = DateTime.UtcNow;
        var rollout = item.Rollout;
        return new Corev1Event
        {
            Metadata = new V1ObjectMeta { GenerateName = $"{rollout.Name}.", NamespaceProperty = rollout.Namespace },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = rollout.ApiVersion,
                Kind = rollout.Kind,
                Name = rollout.Name,
                NamespaceProperty = rollout.Namespace,
                Uid = string.IsNullOrEmpty(rollout.Uid) ? null : rollout.Uid,
            },
            Type = item.IsWarning ? "Warning" : "Normal",
            Reason = item.Reason,
            Message = item.Message.Length > 1024 ? item.Message[..1024] : item.Message,
            Source = new V1EventSource { Component = Component },
            ReportingComponent = Component,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
    }
}
