using System.CommandLine;
using ApisixPlugin.Contracts;
using ApisixPlugin.Sidecar.Check;
using ApisixPlugin.Sidecar.Simulation;

namespace ApisixPlugin.Sidecar.Hosting;

/// <summary>
/// <c>apisix-plugin [serve] [--socket PATH] ...</c> and <c>apisix-plugin simulate ...</c>. serve's
/// switches are only read here: their values become configuration under the keys of
/// <see cref="SidecarOptions"/>, whose validation at start names a bad one. So a switch, its
/// environment variable (APISIX_PLUGIN_ and the switch's name: <c>--metrics-port</c> is
/// APISIX_PLUGIN_METRICS_PORT), Sidecar__* variables and appsettings.json set the same thing, and
/// are checked the same way. A switch wins over its variable, which wins over the others.
/// </summary>
internal sealed class SidecarCommandLine
{
    public const string ProgramName = "apisix-plugin";
    public const string EnvironmentPrefix = "APISIX_PLUGIN_";

    private static readonly SidecarOptions Defaults = new();

    /// <summary>serve's switches: the <see cref="SidecarOptions"/> property each sets, its help, and the default help shows.</summary>
    private static readonly (string Name, string Property, string Value, string Description, string Default)[] Switches =
    [
        ("--socket", nameof(SidecarOptions.SocketPath), "PATH", "The Unix socket the bridge connects to", Defaults.SocketPath),
        ("--socket-mode", nameof(SidecarOptions.SocketMode), "MODE", "The socket's file mode, in octal", Defaults.SocketMode),
        ("--grpc-port", nameof(SidecarOptions.GrpcPort), "N", "Also serve gRPC on this TCP port, e.g. for a kubelet probe; 0 = off", Number(Defaults.GrpcPort)),
        ("--metrics-port", nameof(SidecarOptions.MetricsPort), "N", "Prometheus /metrics and /healthz on this TCP port; 0 = off", Number(Defaults.MetricsPort)),
        ("--plugin-name", nameof(SidecarOptions.PluginName), "NAME", "The key under trafficRouting.plugins when a request does not say", Defaults.PluginName),
        ("--kubeconfig", nameof(SidecarOptions.Kubeconfig), "PATH", "A kubeconfig file instead of the in-cluster service account", "none: the in-cluster service account"),
        ("--max-api-requests", nameof(SidecarOptions.MaxConcurrentApiRequests), "N", "Route requests in flight to the API server at once", Number(Defaults.MaxConcurrentApiRequests)),
        ("--api-request-timeout", nameof(SidecarOptions.ApiRequestTimeoutSeconds), "SECONDS", "How long one request to the API server may take", Number(Defaults.ApiRequestTimeoutSeconds)),
        ("--api-retry-budget", nameof(SidecarOptions.ApiRetryBudgetSeconds), "SECONDS", "How long one call may retry transient API failures", Number(Defaults.ApiRetryBudgetSeconds)),
        ("--log-format", nameof(SidecarOptions.LogFormat), "json|text", "One JSON object a line, or text", Defaults.LogFormat),
        ("--log-level", nameof(SidecarOptions.LogLevel), SidecarOptions.LogLevels, "The least severe log lines written", Defaults.LogLevel),
        ("--route-namespaces", nameof(SidecarOptions.RouteNamespaces), "NS,...", "Namespaces whose routes Rollouts of other namespaces may steer; empty = any", "empty: any"),
        ("--remembered-routes", nameof(SidecarOptions.RememberedRoutes), "N", "Routes remembered as last seen, so a changing SetWeight needs no read; 0 = read every time", Number(Defaults.RememberedRoutes)),
        ("--events", nameof(SidecarOptions.Events), "on|off", "Record Events on the Rollout", Defaults.Events),
        ("--in-progress-label", nameof(SidecarOptions.InProgressLabel), "KEY|off", "The label steered routes carry while their Rollout is in progress; off = none", Defaults.InProgressLabel!),
    ];

    private readonly RootCommand _root;
    private readonly Func<string, string?> _environment;

    /// <summary>Each switch as text (the options' validation reads the value), its environment variable, and the configuration key it sets.</summary>
    private readonly (Option<string> Option, string Variable, string Key)[] _switches = [.. Switches.Select(s => (
        new Option<string>(s.Name)
        {
            HelpName = s.Value,
            Description = $"{s.Description} [default: {s.Default}] [env: {Variable(s.Name)}] ({SidecarOptions.Section}:{s.Property})",
        }.LastWins(),
        Variable(s.Name),
        $"{SidecarOptions.Section}:{s.Property}"))];

    /// <param name="serve">Runs the sidecar with the switches given, as configuration keys and values.</param>
    /// <param name="environment">Reads an environment variable; the process's by default.</param>
    public SidecarCommandLine(Func<IReadOnlyDictionary<string, string?>, Task<int>> serve, Func<string, string?>? environment = null)
    {
        _environment = environment ?? Environment.GetEnvironmentVariable;
        var serveCommand = new Command("serve", "Serve the plugin's gRPC service on a Unix socket, for the bridge in the controller's container (the default command)");
        _root = new RootCommand("The sidecar of the Argo Rollouts traffic-router plugin for APISIX: serve (the default), simulate or check")
        {
            // Help shows this name, not the host's when the tests run a verb in their own process.
            HelpName = ProgramName,
        };
        // The release version, not the entry assembly's (the test host's, when tests run a verb).
        foreach (var version in _root.Options.OfType<VersionOption>())
        {
            version.Action = new PrintVersionAction();
        }

        // "serve" may be left out: the root takes serve's switches and runs it.
        foreach (var command in new Command[] { _root, serveCommand })
        {
            foreach (var (option, _, _) in _switches)
            {
                command.Options.Add(option);
            }

            command.SetAction((parsed, _) => serve(Configuration(parsed)));
        }

        _root.Subcommands.Add(serveCommand);
        _root.Subcommands.Add(SimulateArguments.Command());
        _root.Subcommands.Add(CheckArguments.Command(_environment));
    }

    /// <summary>The <see cref="SidecarOptions"/> properties, each of which a switch sets: the keys the Sidecar section may hold.</summary>
    public static IEnumerable<string> Settings => Switches.Select(s => s.Property);

    /// <summary>The environment variable of a switch: <c>--metrics-port</c> is APISIX_PLUGIN_METRICS_PORT.</summary>
    public static string Variable(string switchName) =>
        EnvironmentPrefix + switchName.TrimStart('-').Replace('-', '_').ToUpperInvariant();

    /// <summary>The switch and environment variable that set a configuration key, for messages; null for another key.</summary>
    public static string? SetBy(string key)
    {
        var entry = Switches.FirstOrDefault(s => string.Equals($"{SidecarOptions.Section}:{s.Property}", key, StringComparison.OrdinalIgnoreCase));
        return entry.Name is null ? null : $"{entry.Name} or {Variable(entry.Name)}";
    }

    public ParseResult Parse(IReadOnlyList<string> args) => _root.Parse(args, CommandLineRunner.Parser);

    /// <summary>
    /// The switches given and, for those not given, their environment variables, under their
    /// configuration keys. Those set neither way are left out, so that Sidecar__* variables and
    /// appsettings.json still set them; these win over both. An empty variable counts as unset.
    /// </summary>
    public Dictionary<string, string?> Configuration(ParseResult parsed)
    {
        var configuration = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (option, variable, key) in _switches)
        {
            if (parsed.GetResult(option) is not null)
            {
                configuration[key] = parsed.GetValue(option);
            }
            else if (_environment(variable) is { Length: > 0 } value)
            {
                configuration[key] = value;
            }
        }

        return configuration;
    }

    /// <summary>Runs the verb the arguments name; help and the version to <paramref name="output"/>, a bad command line to <paramref name="error"/> with exit code 2.</summary>
    public Task<int> InvokeAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error) =>
        CommandLineRunner.InvokeAsync(ProgramName, Parse(args), output, error);

    private static string Number(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
