namespace ApisixPlugin.Sidecar.Hosting;

/// <summary>Short switches for the container's args, mapped onto configuration keys.</summary>
internal static class SidecarCommandLine
{
    public static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--socket"] = "Sidecar:SocketPath",
        ["--socket-mode"] = "Sidecar:SocketMode",
        ["--grpc-port"] = "Sidecar:GrpcPort",
        ["--metrics-port"] = "Sidecar:MetricsPort",
        ["--plugin-name"] = "Sidecar:PluginName",
        ["--kubeconfig"] = "Sidecar:Kubeconfig",
        ["--max-api-requests"] = "Sidecar:MaxConcurrentApiRequests",
        ["--api-request-timeout"] = "Sidecar:ApiRequestTimeoutSeconds",
        ["--api-retry-budget"] = "Sidecar:ApiRetryBudgetSeconds",
        ["--log-format"] = "Sidecar:LogFormat",
        ["--route-namespaces"] = "Sidecar:RouteNamespaces",
    };

    /// <summary>"serve" is the default verb; it is accepted and dropped so that either form works.</summary>
    public static string[] WithoutVerb(string[] args) => args is ["serve", .. var rest] ? rest : args;
}
