using System.Diagnostics.CodeAnalysis;
using ApisixPlugin.Core.Access;
using ApisixPlugin.Kubernetes;
using ApisixPlugin.Protos.V1;
using Grpc.Health.V1;
using ApisixPlugin.Sidecar.Grpc;
using ApisixPlugin.Sidecar.Telemetry;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Prometheus;
using Serilog;
using Serilog.Formatting.Compact;

namespace ApisixPlugin.Sidecar.Hosting;

internal static class SidecarHostingExtensions
{
    public static WebApplicationBuilder AddSidecarLogging(this WebApplicationBuilder builder)
    {
        var json = builder.Configuration[$"{SidecarOptions.Section}:LogFormat"] != "text";
        builder.Services.AddSerilog(config =>
        {
            config.MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
                .MinimumLevel.Override("Grpc", Serilog.Events.LogEventLevel.Warning)
                .Enrich.FromLogContext();
            _ = json
                ? config.WriteTo.Console(new RenderedCompactJsonFormatter())
                : config.WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture);
        });
        return builder;
    }

    public static WebApplicationBuilder AddSidecarServices(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<SidecarOptions>()
            .Bind(builder.Configuration.GetSection(SidecarOptions.Section));
        builder.Services.AddSingleton<IValidateOptions<SidecarOptions>, SidecarOptionsValidator>();
        builder.Services.AddSingleton<IValidateOptions<SidecarOptions>, SidecarOptionsFileValidator>();

        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<SidecarOptions>>().Value.RequestPolicy());
        builder.Services.AddSingleton(sp =>
            RouteNamespacePolicy.AllowingTargetsIn(sp.GetRequiredService<IOptions<SidecarOptions>>().Value.RouteNamespaceList()));
        builder.Services.AddApisixRoutesOnKubernetes(
            sp => sp.GetRequiredService<IOptions<SidecarOptions>>().Value.Kubeconfig,
            sp => sp.GetRequiredService<IOptions<SidecarOptions>>().Value.MaxConcurrentApiRequests);
        builder.Services.AddGrpc(o => o.Interceptors.Add<RouterErrorInterceptor>());
        builder.Services.AddGrpcHealthChecks(o => o.UseHealthChecksCache = false)
            .AddCheck("sidecar", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy());
        builder.Services.AddGrpcReflection();
        builder.Services.AddMetricServer(_ => { });
        Metrics.ConfigureMeterAdapter(o => o.InstrumentFilterPredicate = _ => false);
        builder.Services.AddHostedService<PrometheusExport>();
        return builder;
    }

    /// <summary>gRPC (HTTP/2 only) on the Unix socket and optionally TCP; metrics and health on their own port.</summary>
    public static WebApplicationBuilder AddSidecarEndpoints(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Read through IOptions so that a bad value fails validation before any bind is tried.
            var options = kestrel.ApplicationServices.GetRequiredService<IOptions<SidecarOptions>>().Value;
            // A socket file left by a killed predecessor would make the bind fail.
            File.Delete(options.SocketPath);
            kestrel.ListenUnixSocket(options.SocketPath, l => l.Protocols = HttpProtocols.Http2);
            if (options.GrpcPort > 0)
            {
                kestrel.ListenAnyIP(options.GrpcPort, l => l.Protocols = HttpProtocols.Http2);
            }

            if (options.MetricsPort > 0)
            {
                kestrel.ListenAnyIP(options.MetricsPort, l => l.Protocols = HttpProtocols.Http1);
            }
        });
        return builder;
    }

    // The reflection service finds each service's descriptor through a static property of its
    // generated class, by reflection; NativeAOT keeps those properties only when told to.
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicProperties, typeof(TrafficRouter))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicProperties, typeof(Health))]
    public static WebApplication MapSidecarEndpoints(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<SidecarOptions>>().Value;
        app.MapGrpcService<TrafficRouterService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        if (options.MetricsPort > 0)
        {
            var port = $"*:{options.MetricsPort}";
            app.MapMetrics().RequireHost(port);
            app.MapHealthChecks("/healthz").RequireHost(port);
        }

        // The controller's container runs as another user, in the pod's shared group: it must be
        // able to connect, and nothing else needs to. (A Linux-only sidecar: no platform guard.)
#pragma warning disable CA1416
        app.Lifetime.ApplicationStarted.Register(() => File.SetUnixFileMode(options.SocketPath, options.SocketFileMode()));
#pragma warning restore CA1416
        return app;
    }
}

internal static class SidecarRunExtensions
{
    /// <summary>A bad option stops the process at start with a message that names it, not a stack trace.</summary>
    public static async Task<int> RunSidecarAsync(this WebApplicationBuilder builder)
    {
        try
        {
            await using var app = builder.Build();
            await app.MapSidecarEndpoints().RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"apisix-plugin: invalid configuration: {string.Join("; ", e.Failures)}").ConfigureAwait(false);
            return 2;
        }
    }
}
