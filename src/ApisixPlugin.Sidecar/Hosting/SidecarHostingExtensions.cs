using System.Diagnostics.CodeAnalysis;
using ApisixPlugin.Core.Access;
using ApisixPlugin.Core.GitOps;
using ApisixPlugin.Kubernetes;
using ApisixPlugin.Protos.V1;
using Grpc.Health.V1;
using ApisixPlugin.Sidecar.Grpc;
using ApisixPlugin.Sidecar.Telemetry;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Prometheus;
using ApisixPlugin.Contracts;
using Serilog;
using Serilog.Events;

namespace ApisixPlugin.Sidecar.Hosting;

internal static class SidecarHostingExtensions
{
    /// <summary>
    /// Serilog to stdout at Sidecar:LogLevel (info unless set; a bad value is named by the options'
    /// validation at start, and logging meanwhile stays at info). The framework's own chatter
    /// stays at warnings and above even at debug.
    /// </summary>
    public static WebApplicationBuilder AddSidecarLogging(this WebApplicationBuilder builder)
    {
        var json = builder.Configuration[$"{SidecarOptions.Section}:LogFormat"] != "text";
        var level = builder.Configuration[$"{SidecarOptions.Section}:LogLevel"] switch
        {
            "trace" => LogEventLevel.Verbose,
            "debug" => LogEventLevel.Debug,
            "warn" => LogEventLevel.Warning,
            "error" => LogEventLevel.Error,
            _ => LogEventLevel.Information,
        };
        var framework = level > LogEventLevel.Warning ? level : LogEventLevel.Warning;
        builder.Services.AddSerilog(config =>
        {
            config.MinimumLevel.Is(level)
                .MinimumLevel.Override("Microsoft.AspNetCore", framework)
                .MinimumLevel.Override("Grpc", framework)
                .Enrich.FromLogContext();
            _ = json
                ? config.WriteTo.Console(new JsonLogFormatter())
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
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<SidecarOptions>>().Value.InProgressMarker());
        builder.Services.AddSingleton(sp => new Routing.Store.RouteMemory(sp.GetRequiredService<IOptions<SidecarOptions>>().Value.RememberedRoutes));
        builder.Services.AddApisixRoutesOnKubernetes(
            sp => sp.GetRequiredService<IOptions<SidecarOptions>>().Value.Kubeconfig,
            sp => sp.GetRequiredService<IOptions<SidecarOptions>>().Value.MaxConcurrentApiRequests,
            sp => sp.GetRequiredService<IOptions<SidecarOptions>>().Value.Events == "on");
        builder.Services.AddGrpc(o => o.Interceptors.Add<RouterErrorInterceptor>());
        builder.Services.AddGrpcHealthChecks(o => o.UseHealthChecksCache = false)
            .AddCheck("sidecar", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy());
        builder.Services.AddGrpcReflection();
        builder.Services.AddMetricServer(_ => { });
        Metrics.ConfigureMeterAdapter(o => o.InstrumentFilterPredicate = _ => false);
        builder.Services.AddHostedService<PrometheusExport>();
        builder.Services.AddHostedService<GcMemory>();
        builder.Services.AddHostedService<HeapTrim>();
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
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            File.SetUnixFileMode(options.SocketPath, options.SocketFileMode());
            SidecarHostLog.Serving(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ApisixPlugin.Sidecar"),
                ProgramVersion.Text, options.SocketPath, options.MetricsPort, options.LogLevel);
        });
#pragma warning restore CA1416
        return app;
    }
}

internal static class SidecarRunExtensions
{
    /// <summary>A bad option stops the process at start with a message that names it, not a stack trace.</summary>
    public static async Task<int> RunSidecarAsync(this WebApplicationBuilder builder)
    {
        if (ConfigurationProblem(builder.Configuration) is { } problem)
        {
            await Console.Error.WriteLineAsync($"apisix-plugin: invalid configuration: {problem}").ConfigureAwait(false);
            return 2;
        }

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

    /// <summary>
    /// What binding the Sidecar section would throw on, as a message, or null: a value that is not
    /// a number where one must be (it would otherwise be an exception from deep in the host), and
    /// a key no option has (a misspelt Sidecar__* variable or appsettings.json key would otherwise
    /// be ignored and the default used). The validation at start checks the values' ranges.
    /// </summary>
    internal static string? ConfigurationProblem(IConfiguration configuration)
    {
        var section = configuration.GetSection(SidecarOptions.Section);
        var settings = SidecarCommandLine.Settings.Select(p => $"{SidecarOptions.Section}:{p}").ToList();
        var unknown = section.GetChildren()
            .Where(c => !settings.Contains(c.Path, StringComparer.OrdinalIgnoreCase))
            .Select(c => CloseMatch.Find(c.Path, settings) is { } match
                ? $"{c.Path} is not a setting (did you mean {match}?)"
                : $"{c.Path} is not a setting ({string.Join(", ", settings)} are)")
            .ToList();
        if (unknown.Count > 0)
        {
            return string.Join("; ", unknown);
        }

        try
        {
            section.Bind(new SidecarOptions(), o => o.ErrorOnUnknownConfiguration = true);
            return null;
        }
        catch (InvalidOperationException e)
        {
            var setBy = section.GetChildren()
                .Where(c => e.Message.Contains($"'{c.Path}'", StringComparison.OrdinalIgnoreCase))
                .Select(c => SidecarCommandLine.SetBy(c.Path) is { } by ? $" ({c.Path} is {by})" : "");
            return e.Message + string.Concat(setBy);
        }
    }
}
