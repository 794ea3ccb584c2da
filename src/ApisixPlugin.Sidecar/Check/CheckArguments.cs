using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using ApisixPlugin.Contracts;
using ApisixPlugin.Sidecar.Hosting;
using ApisixPlugin.Sidecar.Simulation;

namespace ApisixPlugin.Sidecar.Check;

/// <summary>The command line of <c>apisix-plugin check</c>, and what <see cref="CheckCommand"/> runs with.</summary>
internal sealed partial record CheckArguments(
    string? Kubeconfig,
    string? Namespace,
    bool AllNamespaces,
    string? Rollout,
    bool Json,
    string PluginName,
    string ControllerNamespace,
    string ControllerDeployment,
    string? IngressClass,
    IReadOnlyList<string> RouteNamespaces)
{
    public const string DefaultControllerNamespace = "argo-rollouts";
    public const string DefaultControllerDeployment = "argo-rollouts";
    public const string ControllerConfigMap = "argo-rollouts-config";

    /// <summary>The <c>check</c> verb; it prints to the invocation's output and error writers.</summary>
    /// <param name="environment">Reads an environment variable: the sidecar's own, for <c>--route-namespaces</c>.</param>
    public static Command Command(Func<string, string?> environment)
    {
        var kubeconfig = new Option<string>("--kubeconfig")
        {
            HelpName = "FILE",
            Description = "A kubeconfig file (default: the in-cluster service account, else ~/.kube/config); its credentials are the ones checked",
        }.LastWins();
        var ns = new Option<string>("--namespace", "-n")
        {
            HelpName = "NS",
            Description = "The Rollouts' namespace (default: the kubeconfig context's, else default)",
            Validators = { RequireNamespaceName },
        }.LastWins();
        var allNamespaces = new Option<bool>("--all-namespaces", "-A") { Description = "The Rollouts of every namespace (needs list rollouts at cluster scope)" };
        var rollout = new Option<string>("--rollout")
        {
            HelpName = "NAME",
            Description = "Only this Rollout, read with get (works without list rollouts)",
        }.LastWins();
        var output = new Option<string>("--output", "-o")
        {
            HelpName = "text|json",
            Description = "text: each check as PASS/WARN/FAIL per Rollout; json: one JSON document (README describes it)",
            DefaultValueFactory = _ => "text",
        }.LastWins().AcceptOnlyFromAmong("text", "json");
        var pluginName = new Option<string>("--plugin-name")
        {
            HelpName = "NAME",
            Description = "The key under trafficRouting.plugins, and the name argo-rollouts-config registers",
            DefaultValueFactory = _ => SidecarOptions.DefaultPluginName,
            Validators = { SimulateArguments.RequirePluginNameForm },
        }.LastWins();
        var controllerNamespace = new Option<string>("--controller-namespace")
        {
            HelpName = "NS",
            Description = $"Where the controller's {ControllerConfigMap} ConfigMap is",
            DefaultValueFactory = _ => DefaultControllerNamespace,
            Validators = { RequireNamespaceName },
        }.LastWins();
        var controllerDeployment = new Option<string>("--controller-deployment")
        {
            HelpName = "NAME",
            Description = "The controller's Deployment in --controller-namespace, whose pod must carry the bridge and the sidecar",
            DefaultValueFactory = _ => DefaultControllerDeployment,
        }.LastWins();
        var ingressClass = new Option<string>("--ingress-class")
        {
            HelpName = "NAME",
            Description = "Require every route's spec.ingressClassName to be NAME (default: only report it)",
        }.LastWins();

        // The sidecar's own variable, so that check run in the sidecar container judges as serve does.
        var routeNamespacesVariable = SidecarCommandLine.Variable("--route-namespaces");
        var routeNamespaces = new Option<string>("--route-namespaces")
        {
            HelpName = "NS,...",
            Description = "The sidecar's --route-namespaces: the only namespaces whose routes Rollouts of other namespaces may steer " +
                $"(default: {routeNamespacesVariable}, as the sidecar container has it; empty = any, the route's consent alone decides)",
            DefaultValueFactory = _ => environment(routeNamespacesVariable) ?? "",
            Validators =
            {
                result =>
                {
                    if (result.Tokens is [.., var last] && FirstBadName(last.Value) is { } bad)
                    {
                        result.AddError($"{result.Option.Name}: '{bad}' is not a namespace name");
                    }
                },
            },
        }.LastWins();

        var command = new Command("check",
            "Check, without writing anything, that the Rollouts using this plugin can be served: their plugin block, routes, rules and " +
            "backends, managed route names, cross-namespace consent, the permissions of the credentials in use, the plugin's entry " +
            $"in {ControllerConfigMap} and the controller pod's bridge and sidecar. Exit code 0 when nothing failed (warnings allowed), 1 when a check failed")
        {
            kubeconfig, ns, allNamespaces, rollout, output, pluginName, controllerNamespace, controllerDeployment, ingressClass, routeNamespaces,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(allNamespaces) && result.GetResult(ns) is not null)
            {
                result.AddError("--namespace and --all-namespaces: give one or the other");
            }

            if (result.GetValue(allNamespaces) && result.GetResult(rollout) is not null)
            {
                result.AddError("--rollout names a Rollout of one namespace: give --namespace, not --all-namespaces");
            }
        });
        command.SetAction(async (parsed, cancellationToken) =>
        {
            // The variable is the option's default, which the option's validator does not see.
            if (parsed.GetResult(routeNamespaces) is null or { Implicit: true } && FirstBadName(parsed.GetValue(routeNamespaces)) is { } bad)
            {
                await parsed.InvocationConfiguration.Error.WriteLineAsync($"{routeNamespacesVariable}: '{bad}' is not a namespace name").ConfigureAwait(false);
                return 2;
            }

            var arguments = new CheckArguments(
                parsed.GetValue(kubeconfig),
                parsed.GetValue(ns),
                parsed.GetValue(allNamespaces),
                parsed.GetValue(rollout),
                parsed.GetValue(output) == "json",
                parsed.GetRequiredValue(pluginName),
                parsed.GetRequiredValue(controllerNamespace),
                parsed.GetRequiredValue(controllerDeployment),
                parsed.GetValue(ingressClass),
                NamespaceList(parsed.GetValue(routeNamespaces)));
            return await CheckCommand.RunAsync(arguments, parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error, cancellationToken)
                .ConfigureAwait(false);
        });
        return command;
    }

    private static string? FirstBadName(string? list) => NamespaceList(list).FirstOrDefault(entry => !NamespaceName().IsMatch(entry));

    private static string[] NamespaceList(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static void RequireNamespaceName(OptionResult result)
    {
        if (result.Tokens is [.., var last] && !NamespaceName().IsMatch(last.Value))
        {
            result.AddError($"{result.Option.Name}: '{last.Value}' is not a namespace name");
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex NamespaceName();
}
