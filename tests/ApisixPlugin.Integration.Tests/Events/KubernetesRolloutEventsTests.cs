using System.Collections.Immutable;
using System.Net;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Kubernetes.Events;
using ApisixPlugin.Routing.Events;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;

namespace ApisixPlugin.Integration.Tests.Events;

/// <summary>The Event writer's loop outlives a failed write, whatever the exception says.</summary>
public sealed class KubernetesRolloutEventsTests
{
    private static RolloutEvent Event(string reason) =>
        new(new RolloutContext("shop", "web", "uid", "canary", "stable", ImmutableArray<string>.Empty, "p", "{}"), false, reason, "m");

    [Fact]
    public async Task An_Event_the_client_times_out_on_does_not_end_the_writer_and_the_next_Event_is_written()
    {
        // A test double for the API server's answers: what is under test is the writer's loop, and
        // a real API server cannot be made to time out one POST and answer the next on demand.
        var server = new TimeOutFirstPostHandler();
        using var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }, server);
        using var events = new KubernetesRolloutEvents(client, NullLogger<KubernetesRolloutEvents>.Instance, TimeProvider.System);
        await events.StartAsync(CancellationToken.None);

        events.Record(Event("WeightUpdated"));
        events.Record(Event("HeaderRouteSet"));

        var second = await server.SecondPost.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("HeaderRouteSet", second);
        Assert.False(events.ExecuteTask!.IsCompleted);
        await events.StopAsync(CancellationToken.None);
    }

    private sealed class TimeOutFirstPostHandler : DelegatingHandler
    {
        private int _posts;

        public TaskCompletionSource<string> SecondPost { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            if (Interlocked.Increment(ref _posts) == 1)
            {
                // What HttpClient throws when its own Timeout ends a request.
                throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 10 seconds elapsing.");
            }

            SecondPost.TrySetResult(body);
            return new HttpResponseMessage(HttpStatusCode.Created) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        }
    }
}
