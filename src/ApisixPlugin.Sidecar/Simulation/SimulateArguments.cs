using System.Text.RegularExpressions;
using ApisixPlugin.Sidecar.Hosting;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>The command line of <c>apisix-plugin simulate</c>.</summary>
internal sealed partial record SimulateArguments(string? RolloutFile, string? RoutesFile, string PluginName, bool Diff, RouteFormat Format)
{
    public const string Usage = """
        usage: apisix-plugin simulate [--rollout FILE] [--routes FILE] [--plugin-name NAME] [--diff] [--output yaml|json]

        Replays a canary Rollout's steps through the plugin's own gRPC service against ApisixRoutes
        held in memory, and prints every route each step changes. No cluster is needed.

          --rollout FILE       the Rollout (default: the guide's example, deploy/examples/rollout.yaml)
          --routes FILE        the ApisixRoutes, several documents allowed; other kinds are ignored
                               (default: deploy/examples/apisixroute.yaml)
          --plugin-name NAME   the key under trafficRouting.plugins (default: apisixplugin/apisix)
          --diff               print what each step changed as a diff, not whole routes
          --output yaml|json   how routes are printed (default: yaml)
        """;

    /// <summary>The parsed arguments, or the reason they are wrong (null when help was asked for).</summary>
    public static (SimulateArguments? Arguments, string? Error) Parse(IReadOnlyList<string> args)
    {
        string? rollout = null, routes = null;
        var pluginName = SidecarOptions.DefaultPluginName;
        var diff = false;
        var format = RouteFormat.Yaml;
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inline) = SplitOption(args[i]);
            string Value() => inline ?? (++i < args.Count ? args[i] : throw new ArgumentException($"{name} needs a value"));
            try
            {
                switch (name)
                {
                    case "-h" or "--help":
                        return (null, null);
                    case "--rollout":
                        rollout = Value();
                        break;
                    case "--routes":
                        routes = Value();
                        break;
                    case "--plugin-name":
                        pluginName = Value();
                        if (!PluginNamePattern().IsMatch(pluginName))
                        {
                            return (null, $"--plugin-name: '{pluginName}' does not have Argo's '<org>/<name>' form");
                        }

                        break;
                    case "--diff" when inline is null:
                        diff = true;
                        break;
                    case "--output":
                        var value = Value();
                        format = value switch
                        {
                            "yaml" => RouteFormat.Yaml,
                            "json" => RouteFormat.Json,
                            _ => throw new ArgumentException($"--output: '{value}' is neither yaml nor json"),
                        };
                        break;
                    default:
                        return (null, $"unknown argument '{args[i]}'");
                }
            }
            catch (ArgumentException e)
            {
                return (null, e.Message);
            }
        }

        return (new SimulateArguments(rollout, routes, pluginName, diff, format), null);
    }

    /// <summary>"--name=value" as well as "--name value".</summary>
    private static (string Name, string? Inline) SplitOption(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }

    // The same form the sidecar's own option demands (SidecarOptions.PluginName).
    [GeneratedRegex("^[A-Za-z0-9][-A-Za-z0-9_.]*/[A-Za-z0-9][-A-Za-z0-9_.]*$")]
    private static partial Regex PluginNamePattern();
}
