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

    private readonly Channel<RolloutEvent> _queue = Channel.CreateBounded<RolloutEvent>(
        new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly EventPacer _pacer = new(PacingWindow);

    public void Record(RolloutEvent rolloutEvent) => _queue.Writer.TryWrite(rolloutEvent);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var due in _pacer.Due(time.GetUtcNow()))
            {
                await WriteAsync(due, stoppingToken).ConfigureAwait(false);
            }

            if (!await WaitForEventAsync(stoppingToken).ConfigureAwait(false))
            {
                continue;
            }

            while (_queue.Reader.TryRead(out var item))
            {
                if (_pacer.Offer(item, time.GetUtcNow()) is { } now)
                {
                    await WriteAsync(now, stoppingToken).ConfigureAwait(false);
                }
                else
                {
                    RouterMetrics.EventsHeld.Add(1);
                }
            }
        }
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

    private async Task WriteAsync(RolloutEvent item, CancellationToken stoppingToken)
    {
        try
        {
            RouterMetrics.ApiRequests.Add(1, new KeyValuePair<string, object?>("verb", "create-event"));
            await client.CoreV1.CreateNamespacedEventAsync(ToEvent(item), item.Rollout.Namespace, cancellationToken: stoppingToken).ConfigureAwait(false);
        }
        // Only stopping ends the loop: the client's own request timeout is a TaskCanceledException
        // too, and an Event that timed out must not end the sidecar.
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            KubernetesLog.EventFailed(logger, item.Rollout.Key, e);
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
