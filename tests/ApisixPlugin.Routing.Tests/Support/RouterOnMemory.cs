using System.Text.Json;
using ApisixPlugin.Core.Access;
using ApisixPlugin.Core.GitOps;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Routing.Events;
using ApisixPlugin.Routing.Store;
using ApisixPlugin.Routing.UseCases;
using Microsoft.Extensions.DependencyInjection;

namespace ApisixPlugin.Routing.Tests.Support;

/// <summary>The use cases wired as the sidecar wires them, over an in-memory store behind a <see cref="FaultyStore"/>.</summary>
internal sealed class RouterOnMemory : IDisposable
{
    public const string Namespace = "shop";
    public const string Canary = "shop-canary";
    public const string Stable = "shop-stable";

    private readonly ServiceProvider _services;

    public RouterOnMemory(RouteNamespacePolicy? policy = null, InProgressLabel? inProgressLabel = null, RouteMemory? routeMemory = null)
    {
        Faults = new FaultyStore(Memory);
        var services = new ServiceCollection().AddLogging().AddSingleton<IApisixRouteStore>(Faults).AddSingleton(Events);
        if (policy is not null)
        {
            services.AddSingleton(policy);
        }

        if (inProgressLabel is not null)
        {
            services.AddSingleton(inProgressLabel);
        }

        if (routeMemory is not null)
        {
            services.AddSingleton(routeMemory);
        }

        _services = services.AddSingleton<IRolloutEvents>(Events).AddTrafficRouterUseCases()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    public InMemoryApisixRouteStore Memory { get; } = new();

    public FaultyStore Faults { get; }

    public RecordedEvents Events { get; } = new();

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public SetWeightUseCase SetWeight => Get<SetWeightUseCase>();

    public VerifyWeightUseCase VerifyWeight => Get<VerifyWeightUseCase>();

    public SetHeaderRouteUseCase SetHeaderRoute => Get<SetHeaderRouteUseCase>();

    public SetMirrorRouteUseCase SetMirrorRoute => Get<SetMirrorRouteUseCase>();

    public RemoveManagedRoutesUseCase RemoveManagedRoutes => Get<RemoveManagedRoutesUseCase>();

    /// <summary>A route named like its one rule, stable and canary backends on port 80, in <paramref name="ns"/>.</summary>
    public void SeedRoute(string name, string ns = Namespace, string annotations = "", string labels = "") =>
        Memory.Seed(JsonDocument.Parse("""
            {"apiVersion": "apisix.apache.org/v2", "kind": "ApisixRoute",
             "metadata": {"name": "@NAME@", "namespace": "@NS@" @ANNOTATIONS@ @LABELS@},
             "spec": {"http": [{"name": "@NAME@", "match": {"paths": ["/*"]},
                                "backends": [{"serviceName": "shop-stable", "servicePort": 80}, {"serviceName": "shop-canary", "servicePort": 80}]}]}}
            """.Replace("@NAME@", name, StringComparison.Ordinal).Replace("@NS@", ns, StringComparison.Ordinal)
               .Replace("@ANNOTATIONS@", annotations.Length == 0 ? "" : $", \"annotations\": {{{annotations}}}", StringComparison.Ordinal)
               .Replace("@LABELS@", labels.Length == 0 ? "" : $", \"labels\": {{{labels}}}", StringComparison.Ordinal)).RootElement);

    /// <summary>The route as the store has it now.</summary>
    public Core.Routes.ApisixRouteSnapshot Route(string name, string ns = Namespace) => Memory.GetAsync(ns, name, CancellationToken.None).Result!;

    /// <summary>A Rollout in <see cref="Namespace"/> with this plugin block and managed route names.</summary>
    public static RolloutContext Rollout(string pluginConfig, params string[] managedRoutes) =>
        new(Namespace, "shop", "uid-1", Canary, Stable, [.. managedRoutes], "apisixplugin/apisix", pluginConfig);

    /// <summary>The canary backend's weight in the route's rule named like the route (null: absent, APISIX's 100).</summary>
    public int? CanaryWeight(string name, string ns = Namespace) =>
        Memory.GetAsync(ns, name, CancellationToken.None).Result!.FindRule(name)!.Backends.Single(b => b.ServiceName == Canary).Weight;

    public void Dispose() => _services.Dispose();
}

/// <summary>Events the use cases recorded, in order.</summary>
internal sealed class RecordedEvents : IRolloutEvents
{
    private readonly List<RolloutEvent> _events = [];

    public IReadOnlyList<RolloutEvent> All
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public void Record(RolloutEvent rolloutEvent)
    {
        lock (_events)
        {
            _events.Add(rolloutEvent);
        }
    }
}

/// <summary>A clock a test moves by hand.</summary>
internal sealed class ManualTime : TimeProvider
{
    public DateTimeOffset Now { get; set; } = new(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Now;
}
