using ApisixPlugin.Core.Access;
using ApisixPlugin.Kubernetes.Events;
using ApisixPlugin.Kubernetes.Json;
using ApisixPlugin.Kubernetes.Routing;
using ApisixPlugin.Kubernetes.Store;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ApisixPlugin.Kubernetes;

public static class KubernetesServiceCollectionExtensions
{
    /// <summary>
    /// The traffic router over the real API server: kubeconfig when a path is given, else the
    /// in-cluster service account, else the default kubeconfig (a developer's machine). At most
    /// <paramref name="maxConcurrentRequests"/> route requests are sent at a time (<see cref="ApiRequestGate"/>).
    /// </summary>
    public static IServiceCollection AddApisixRoutesOnKubernetes(
        this IServiceCollection services, Func<IServiceProvider, string?> kubeconfigPath, Func<IServiceProvider, int>? maxConcurrentRequests = null)
    {
        services.TryAddSingleton(sp => new ApiRequestGate(maxConcurrentRequests?.Invoke(sp) ?? ApiRequestGate.DefaultLimit));
        services.TryAddSingleton<IKubernetes>(sp =>
        {
            KubernetesJsonTypes.Register();
            return new k8s.Kubernetes(ClientConfiguration(kubeconfigPath(sp)));
        });
        services.TryAddSingleton<IApisixRouteStore, KubernetesApisixRouteStore>();
        services.TryAddSingleton<KubernetesRolloutEvents>();
        services.TryAddSingleton<IRolloutEvents>(sp => sp.GetRequiredService<KubernetesRolloutEvents>());
        services.AddHostedService(sp => sp.GetRequiredService<KubernetesRolloutEvents>());
        services.TryAddSingleton(RouteNamespacePolicy.ConsentOnly);
        services.TryAddSingleton<ApisixTrafficRouter>();
        return services;
    }

    /// <summary>The traffic router over routes held in memory (the simulate command).</summary>
    public static IServiceCollection AddApisixRoutesInMemory(this IServiceCollection services, InMemoryApisixRouteStore store)
    {
        services.TryAddSingleton<IApisixRouteStore>(store);
        services.TryAddSingleton<IRolloutEvents>(DiscardRolloutEvents.Instance);
        services.TryAddSingleton(RouteNamespacePolicy.ConsentOnly);
        services.TryAddSingleton<ApisixTrafficRouter>();
        return services;
    }

    public static KubernetesClientConfiguration ClientConfiguration(string? kubeconfigPath) =>
        !string.IsNullOrEmpty(kubeconfigPath) ? KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath)
        : KubernetesClientConfiguration.IsInCluster() ? KubernetesClientConfiguration.InClusterConfig()
        : KubernetesClientConfiguration.BuildDefaultConfig();
}
