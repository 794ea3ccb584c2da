using ApisixPlugin.Core.Access;
using ApisixPlugin.Core.GitOps;
using ApisixPlugin.Routing.Events;
using ApisixPlugin.Routing.Store;
using ApisixPlugin.Routing.UseCases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ApisixPlugin.Routing;

public static class RoutingServiceCollectionExtensions
{
    /// <summary>
    /// The use cases over whichever <see cref="IApisixRouteStore"/> and <see cref="IRolloutEvents"/>
    /// are registered. Routes in other namespaces need their consent; register a
    /// <see cref="RouteNamespacePolicy"/> first to narrow that further, and an
    /// <see cref="InProgressLabel"/> for another label key (or <see cref="InProgressLabel.Off"/>),
    /// and a <see cref="RouteMemory"/> of another size (0: every call reads).
    /// </summary>
    public static IServiceCollection AddTrafficRouterUseCases(this IServiceCollection services)
    {
        services.TryAddSingleton(RouteNamespacePolicy.ConsentOnly);
        services.TryAddSingleton(InProgressLabel.Default);
        services.TryAddSingleton(new RouteMemory());
        services.TryAddSingleton<RolloutRoutes>();
        services.TryAddSingleton<RouteWrites>();
        services.TryAddSingleton<ManagedRouteWrites>();
        services.TryAddSingleton<SetWeightUseCase>();
        services.TryAddSingleton<VerifyWeightUseCase>();
        services.TryAddSingleton<SetHeaderRouteUseCase>();
        services.TryAddSingleton<SetMirrorRouteUseCase>();
        services.TryAddSingleton<RemoveManagedRoutesUseCase>();
        return services;
    }

    /// <summary>The use cases over routes held in memory (the simulate command), with events dropped.</summary>
    public static IServiceCollection AddApisixRoutesInMemory(this IServiceCollection services, InMemoryApisixRouteStore store)
    {
        services.TryAddSingleton<IApisixRouteStore>(store);
        services.TryAddSingleton<IRolloutEvents>(DiscardRolloutEvents.Instance);
        return services.AddTrafficRouterUseCases();
    }
}
