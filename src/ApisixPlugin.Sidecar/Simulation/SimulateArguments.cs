using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using ApisixPlugin.Contracts;
using ApisixPlugin.Sidecar.Hosting;

namespace ApisixPlugin.Sidecar.Simulation;

/// <summary>The command line of <c>apisix-plugin simulate</c>, and what <see cref="SimulateCommand"/> runs with.</summary>
internal sealed partial record SimulateArguments(string? RolloutFile, string? RoutesFile, string PluginName, bool Diff, bool Json, int? AbortAfter)
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
        var diff = new Option<bool>("--diff") { Description = "In the text report, print what each step changed as a diff, not whole routes" };
        var output = new Option<string>("--output")
        {
            HelpName = "text|json",
            Description = "text: a table of the steps, then every route each step wrote (YAML); json: one JSON document (README describes it)",
            DefaultValueFactory = _ => "text",
        }.LastWins().AcceptOnlyFromAmong("text", "json");
        var abortAt = new Option<int?>("--abort-at")
        {
            HelpName = "STEP",
            Description = "Replay an abort after step STEP (1-based) instead of the promotion: managed routes removed, all traffic back to stable",
        }.LastWins();

        var command = new Command("simulate",
            "Replay a canary Rollout's steps through the plugin's own gRPC service against ApisixRoutes held in memory, " +
            "and show the weights and routes each step leaves; no cluster is needed. Exit code 0 when every call succeeded, " +
            "1 when a step failed (the replay stops there) or an input could not be read")
        {
            rollout, routes, pluginName, diff, output, abortAt,
        };
        command.SetAction((parsed, _) => SimulateCommand.RunAsync(
            new SimulateArguments(
                parsed.GetValue(rollout),
                parsed.GetValue(routes),
                parsed.GetRequiredValue(pluginName),
                parsed.GetValue(diff),
                parsed.GetValue(output) == "json",
                parsed.GetValue(abortAt)),
            parsed.InvocationConfiguration.Output,
            parsed.InvocationConfiguration.Error));
        return command;
    }

    /// <summary>Argo's <c>&lt;org&gt;/&lt;name&gt;</c> form; <c>check --plugin-name</c> demands it too.</summary>
    internal static void RequirePluginNameForm(OptionResult result)
    {
        if (result.Tokens is [.., var last] && !PluginNameForm().IsMatch(last.Value))
        {
            result.AddError($"--plugin-name: '{last.Value}' does not have Argo's '<org>/<name>' form");
        }
    }

    [GeneratedRegex(SidecarOptions.PluginNamePattern)]
    private static partial Regex PluginNameForm();
}
