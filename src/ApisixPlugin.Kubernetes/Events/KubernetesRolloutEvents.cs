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
/// events are for people, and losing one is better than slowing a rollout.
/// </summary>
internal sealed class KubernetesRolloutEvents(IKubernetes client, ILogger<KubernetesRolloutEvents> logger)
    : BackgroundService, IRolloutEvents
{
    private const string Component = "apisix-plugin";

    private readonly Channel<RolloutEvent> _queue = Channel.CreateBounded<RolloutEvent>(
        new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Record(RolloutEvent rolloutEvent) => _queue.Writer.TryWrite(rolloutEvent);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var item in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                RouterMetrics.ApiRequests.Add(1, new KeyValuePair<string, object?>("verb", "create-event"));
                await client.CoreV1.CreateNamespacedEventAsync(ToEvent(item), item.Rollout.Namespace, cancellationToken: stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                KubernetesLog.EventFailed(logger, item.Rollout.Key, e);
            }
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
