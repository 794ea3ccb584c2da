using ApisixPlugin.Kubernetes.Events;
using ApisixPlugin.Kubernetes.Json;
using ApisixPlugin.Kubernetes.Store;
using ApisixPlugin.Routing;
using ApisixPlugin.Routing.Events;
using ApisixPlugin.Routing.Store;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ApisixPlugin.Kubernetes;

public static class KubernetesServiceCollectionExtensions
{
    /// <summary>
    /// The traffic router's use cases over the real API server: kubeconfig when a path is given,
    /// else the in-cluster service account, else the default kubeconfig (a developer's machine). At
    /// most <paramref name="maxConcurrentRequests"/> route requests are sent at a time
    /// (<see cref="ApiRequestGate"/>); Events are written on the Rollout unless
    /// <paramref name="recordEvents"/> says no.
    /// </summary>
    public static IServiceCollection AddApisixRoutesOnKubernetes(
        this IServiceCollection services, Func<IServiceProvider, string?> kubeconfigPath, Func<IServiceProvider, int>? maxConcurrentRequests = null,
        Func<IServiceProvider, bool>? recordEvents = null)
    {
        services.TryAddSingleton(sp => new ApiRequestGate(maxConcurrentRequests?.Invoke(sp) ?? ApiRequestGate.DefaultLimit));
        services.TryAddSingleton(ApiRequestPolicy.Default);
        services.TryAddSingleton<IKubernetes>(sp =>
        {
            KubernetesJsonTypes.Register();
            return new k8s.Kubernetes(ClientConfiguration(kubeconfigPath(sp)));
        });
        services.TryAddSingleton<IApisixRouteStore, KubernetesApisixRouteStore>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KubernetesRolloutEvents>();
        services.TryAddSingleton<IRolloutEvents>(sp =>
            recordEvents?.Invoke(sp) == false ? DiscardRolloutEvents.Instance : sp.GetRequiredService<KubernetesRolloutEvents>());
        services.AddHostedService(sp => sp.GetRequiredService<KubernetesRolloutEvents>());
        return services.AddTrafficRouterUseCases();
    }

    public static KubernetesClientConfiguration ClientConfiguration(string? kubeconfigPath)
    {
        var config = !string.IsNullOrEmpty(kubeconfigPath) ? KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath)
            : KubernetesClientConfiguration.IsInCluster() ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildDefaultConfig();
        config.FirstMessageHandlerSetup = DetectDeadConnections;
        return config;
    }

    /// <summary>
    /// A connection that goes silent (no RST, no FIN: a node or a load balancer lost it) must not
    /// hold every later request: with a request waiting, HTTP/2 pings after 3 s of silence and
    /// drops the connection when 3 s pass without an answer, like client-go's read-idle health
    /// check but sooner, and the retry opens a new one. The client's own default waits minutes.
    /// An API server that is merely slow answers pings, so nothing else changes for it.
    /// </summary>
    private static void DetectDeadConnections(SocketsHttpHandler handler)
    {
        handler.KeepAlivePingDelay = TimeSpan.FromSeconds(3);
        handler.KeepAlivePingTimeout = TimeSpan.FromSeconds(3);
        handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests;
        handler.ConnectTimeout = TimeSpan.FromSeconds(5);
    }
}
