using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using ApisixPlugin.Contracts;
using ApisixPlugin.Sidecar.Hosting;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>The command line of <c>apisix-plugin simulate</c>, and what <see cref="SimulateCommand"/> runs with.</summary>
internal sealed partial record SimulateArguments(string? RolloutFile, string? RoutesFile, string PluginName, bool Diff, RouteFormat Format)
{
    /// <summary>The <c>simulate</c> verb; it prints to the invocation's output and error writers.</summary>
    public static Command Command()
    {
        var rollout = new Option<string>("--rollout")
        {
            HelpName = "FILE",
            Description = "The Rollout (default: the guide's example, deploy/examples/rollout.yaml)",
        }.LastWins();
        var routes = new Option<string>("--routes")
        {
            HelpName = "FILE",
            Description = "The ApisixRoutes, several documents allowed; other kinds are ignored (default: deploy/examples/apisixroute.yaml)",
        }.LastWins();
        var pluginName = new Option<string>("--plugin-name")
        {
            HelpName = "NAME",
            Description = "The key under trafficRouting.plugins",
            DefaultValueFactory = _ => SidecarOptions.DefaultPluginName,
            Validators = { RequirePluginNameForm },
        }.LastWins();
        var diff = new Option<bool>("--diff") { Description = "Print what each step changed as a diff, not whole routes" };
        var output = new Option<string>("--output")
        {
            HelpName = "yaml|json",
            Description = "How routes are printed",
            DefaultValueFactory = _ => "yaml",
        }.LastWins().AcceptOnlyFromAmong("yaml", "json");

        var command = new Command("simulate",
            "Replay a canary Rollout's steps through the plugin's own gRPC service against ApisixRoutes held in memory, " +
            "and print every route each step changes; no cluster is needed. Exit code 0 when every call succeeded, " +
            "1 when one failed or an input could not be read")
        {
            rollout, routes, pluginName, diff, output,
        };
        command.SetAction((parsed, _) => SimulateCommand.RunAsync(
            new SimulateArguments(
                parsed.GetValue(rollout),
                parsed.GetValue(routes),
                parsed.GetRequiredValue(pluginName),
                parsed.GetValue(diff),
                parsed.GetValue(output) == "json" ? RouteFormat.Json : RouteFormat.Yaml),
            parsed.InvocationConfiguration.Output,
            parsed.InvocationConfiguration.Error));
        return command;
    }

    private static void RequirePluginNameForm(OptionResult result)
    {
        if (result.Tokens is [.., var last] && !PluginNameForm().IsMatch(last.Value))
        {
            result.AddError($"--plugin-name: '{last.Value}' does not have Argo's '<org>/<name>' form");
        }
    }

    [GeneratedRegex(SidecarOptions.PluginNamePattern)]
    private static partial Regex PluginNameForm();
}
