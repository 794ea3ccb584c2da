using System.CommandLine;
using ApisixPlugin.Contracts;
using ApisixPlugin.Sidecar.Simulation;

namespace ApisixPlugin.Sidecar.Hosting;

/// <summary>
/// <c>apisix-plugin [serve] [--socket PATH] ...</c> and <c>apisix-plugin simulate ...</c>. serve's
/// switches are only read here: their values become configuration under the keys of
/// <see cref="SidecarOptions"/>, whose validation at start names a bad one. So a switch, an
/// environment variable and appsettings.json set the same thing, and are checked the same way.
/// </summary>
internal sealed class SidecarCommandLine
{
    private const string ProgramName = "apisix-plugin";

    /// <summary>serve's switches: the <see cref="SidecarOptions"/> property each sets, and its help.</summary>
    private static readonly (string Name, string Property, string Value, string Description)[] Switches =
    [
        ("--socket", nameof(SidecarOptions.SocketPath), "PATH", "The Unix socket the bridge connects to"),
        ("--socket-mode", nameof(SidecarOptions.SocketMode), "MODE", "The socket's file mode, in octal"),
        ("--grpc-port", nameof(SidecarOptions.GrpcPort), "N", "Also serve gRPC on this TCP port, e.g. for a kubelet probe; 0 = off"),
        ("--metrics-port", nameof(SidecarOptions.MetricsPort), "N", "Prometheus /metrics and /healthz on this TCP port; 0 = off"),
        ("--plugin-name", nameof(SidecarOptions.PluginName), "NAME", "The key under trafficRouting.plugins when a request does not say"),
        ("--kubeconfig", nameof(SidecarOptions.Kubeconfig), "PATH", "A kubeconfig file instead of the in-cluster service account"),
        ("--max-api-requests", nameof(SidecarOptions.MaxConcurrentApiRequests), "N", "Route requests in flight to the API server at once"),
        ("--api-request-timeout", nameof(SidecarOptions.ApiRequestTimeoutSeconds), "SECONDS", "How long one request to the API server may take"),
        ("--api-retry-budget", nameof(SidecarOptions.ApiRetryBudgetSeconds), "SECONDS", "How long one call may retry transient API failures"),
        ("--log-format", nameof(SidecarOptions.LogFormat), "json|text", "One JSON object a line, or text"),
        ("--route-namespaces", nameof(SidecarOptions.RouteNamespaces), "NS,...", "Namespaces whose routes Rollouts of other namespaces may steer; empty = any"),
    ];

    private readonly RootCommand _root;

    /// <summary>Each switch as text (the options' validation reads the value) and the configuration key it sets.</summary>
    private readonly (Option<string> Option, string Key)[] _switches = [.. Switches.Select(s => (
        new Option<string>(s.Name) { HelpName = s.Value, Description = $"{s.Description} ({SidecarOptions.Section}:{s.Property})" }.LastWins(),
        $"{SidecarOptions.Section}:{s.Property}"))];

    /// <param name="serve">Runs the sidecar with the switches given, as configuration keys and values.</param>
    public SidecarCommandLine(Func<IReadOnlyDictionary<string, string?>, Task<int>> serve)
    {
        var serveCommand = new Command("serve", "Serve the plugin's gRPC service on a Unix socket, for the bridge in the controller's container (the default command)");
        _root = new RootCommand("The sidecar of the Argo Rollouts traffic-router plugin for APISIX: serve (the default) or simulate")
        {
            // Help shows this name, not the host's when the tests run a verb in their own process.
            HelpName = ProgramName,
        };
        // "serve" may be left out: the root takes serve's switches and runs it.
        foreach (var command in new Command[] { _root, serveCommand })
        {
            foreach (var (option, _) in _switches)
            {
                command.Options.Add(option);
            }

            command.SetAction((parsed, _) => serve(Configuration(parsed)));
        }

        _root.Subcommands.Add(serveCommand);
        _root.Subcommands.Add(SimulateArguments.Command());
    }

    public ParseResult Parse(IReadOnlyList<string> args) => _root.Parse(args, CommandLineRunner.Parser);

    /// <summary>
    /// The switches given, under their configuration keys. Those not given are left out, so that
    /// environment variables and appsettings.json still set them; those given win over both.
    /// </summary>
    public Dictionary<string, string?> Configuration(ParseResult parsed) =>
        _switches.Where(s => parsed.GetResult(s.Option) is not null)
            .ToDictionary(s => s.Key, s => parsed.GetValue(s.Option), StringComparer.OrdinalIgnoreCase);

    /// <summary>Runs the verb the arguments name; help to <paramref name="output"/>, a bad command line to <paramref name="error"/> with exit code 2.</summary>
    public Task<int> InvokeAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error) =>
        CommandLineRunner.InvokeAsync(Parse(args), output, error);
}
