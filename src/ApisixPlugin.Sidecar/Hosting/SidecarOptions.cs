using System.ComponentModel.DataAnnotations;
using ApisixPlugin.Contracts;
using ApisixPlugin.Core.GitOps;
using ApisixPlugin.Kubernetes.Store;
using Microsoft.Extensions.Options;

namespace ApisixPlugin.Sidecar.Hosting;

/// <summary>The sidecar's settings (section "Sidecar"; command-line switches in <see cref="SidecarCommandLine"/>).</summary>
internal sealed class SidecarOptions
{
    public const string Section = "Sidecar";
    public const string DefaultSocketPath = PluginDefaults.SocketPath;
    public const string DefaultPluginName = PluginDefaults.PluginName;

    /// <summary>Argo's '&lt;org&gt;/&lt;name&gt;' form of a plugin name; <c>simulate --plugin-name</c> demands it too.</summary>
    public const string PluginNamePattern = "^[A-Za-z0-9][-A-Za-z0-9_.]*/[A-Za-z0-9][-A-Za-z0-9_.]*$";

    /// <summary>The Unix socket the bridge connects to; its folder is shared with the controller container.</summary>
    [Required]
    [RegularExpression("^/.*[^/]$", ErrorMessage = "Sidecar:SocketPath must be an absolute file path")]
    public string SocketPath { get; set; } = DefaultSocketPath;

    /// <summary>
    /// The socket's file mode, in octal. 0660 lets in the sidecar's user and group: the controller's
    /// container joins that group through the pod's fsGroup (deploy/). 0666 only for a pod that
    /// cannot have one; the socket's folder is an emptyDir no other pod mounts either way.
    /// </summary>
    [RegularExpression("^0?[0-7]{3}$", ErrorMessage = "Sidecar:SocketMode must be an octal file mode such as 0660")]
    public string SocketMode { get; set; } = "0660";

    public UnixFileMode SocketFileMode() => (UnixFileMode)Convert.ToInt32(SocketMode, 8);

    /// <summary>Also serve gRPC on this TCP port (all interfaces), e.g. for a kubelet gRPC probe; 0 = off.</summary>
    [Range(0, 65535)]
    public int GrpcPort { get; set; }

    /// <summary>Prometheus /metrics and /healthz on this TCP port; 0 = off.</summary>
    [Range(0, 65535)]
    public int MetricsPort { get; set; } = 9464;

    /// <summary>The key under trafficRouting.plugins when a request does not say (the bridge always says).</summary>
    [Required]
    [RegularExpression(PluginNamePattern,
        ErrorMessage = "Sidecar:PluginName must have Argo's '<org>/<name>' form")]
    public string PluginName { get; set; } = DefaultPluginName;

    /// <summary>A kubeconfig file; empty means the in-cluster service account.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>
    /// Route requests in flight to the API server at once; more calls wait their turn. Bounds the
    /// sidecar's memory when many Rollouts step together (see ApiRequestGate).
    /// </summary>
    [Range(1, 256)]
    public int MaxConcurrentApiRequests { get; set; } = ApiRequestGate.DefaultLimit;

    /// <summary>
    /// Namespaces whose ApisixRoutes Rollouts of other namespaces may steer (with the route's
    /// consent), comma-separated; empty = any namespace, the route's consent alone decides.
    /// </summary>
    [RegularExpression("^\\s*([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\s*(,\\s*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\s*)*)?$",
        ErrorMessage = "Sidecar:RouteNamespaces must be a comma-separated list of namespace names")]
    public string RouteNamespaces { get; set; } = "";

    /// <summary>The <see cref="RouteNamespaces"/> list.</summary>
    public IEnumerable<string> RouteNamespaceList() =>
        RouteNamespaces.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// The label a steered route carries while its Rollout is in progress (for Argo CD and Flux);
    /// <c>off</c> or empty: no label.
    /// </summary>
    [RegularExpression("^(off|([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$",
        ErrorMessage = "Sidecar:InProgressLabel must be a label key (prefix/name) or 'off'")]
    public string? InProgressLabel { get; set; } = Core.GitOps.InProgressLabel.DefaultKey;

    public InProgressLabel InProgressMarker() =>
        string.IsNullOrEmpty(InProgressLabel) || InProgressLabel == "off" ? Core.GitOps.InProgressLabel.Off : new(InProgressLabel);

    /// <summary>
    /// How many ApisixRoutes are remembered as last read or written, so that a changing SetWeight
    /// needs no read first (the least recently used are forgotten); 0: every call reads.
    /// </summary>
    [Range(0, 100_000)]
    public int RememberedRoutes { get; set; } = Routing.Store.RouteMemory.DefaultCapacity;

    /// <summary>
    /// Whether the plugin records Events on the Rollout (WeightUpdated, HeaderRouteSet, ...):
    /// "on", or "off" where the controller's own events suffice. Each is one more write on the API
    /// server, made beside the call's own.
    /// </summary>
    [RegularExpression("^(on|off)$", ErrorMessage = "Sidecar:Events must be 'on' or 'off'")]
    public string Events { get; set; } = "on";

    /// <summary>How long one request to the API server may take before it counts as failed and is retried.</summary>
    [Range(1, 120)]
    public int ApiRequestTimeoutSeconds { get; set; } = (int)ApiRequestPolicy.Default.RequestTimeout.TotalSeconds;

    /// <summary>
    /// How long one traffic-router call may spend retrying transient API failures (429, 5xx,
    /// resets, timeouts). Keep it below the bridge's --call-timeout (30 s): the call then fails
    /// with the API server named instead of the bridge giving up on the sidecar.
    /// </summary>
    [Range(1, 600)]
    public int ApiRetryBudgetSeconds { get; set; } = (int)ApiRequestPolicy.Default.CallBudget.TotalSeconds;

    public ApiRequestPolicy RequestPolicy() => new(TimeSpan.FromSeconds(ApiRequestTimeoutSeconds), TimeSpan.FromSeconds(ApiRetryBudgetSeconds));

    /// <summary>The values <see cref="LogLevel"/> takes, as help shows them.</summary>
    public const string LogLevels = "trace|debug|info|warn|error";

    /// <summary>The least severe log lines written: trace, debug, info (the default), warn or error.</summary>
    [RegularExpression("^(trace|debug|info|warn|error)$", ErrorMessage = "Sidecar:LogLevel must be one of trace, debug, info, warn, error")]
    public string LogLevel { get; set; } = "info";

    /// <summary>"json" (one JSON object a line, each with its level) or "text".</summary>
    [RegularExpression("^(json|text)$", ErrorMessage = "Sidecar:LogFormat must be 'json' or 'text'")]
    public string LogFormat { get; set; } = "json";
}

[OptionsValidator]
internal sealed partial class SidecarOptionsValidator : IValidateOptions<SidecarOptions>;

/// <summary>What attributes cannot say: files and folders that must exist.</summary>
internal sealed class SidecarOptionsFileValidator : IValidateOptions<SidecarOptions>
{
    public ValidateOptionsResult Validate(string? name, SidecarOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrEmpty(options.Kubeconfig) && !File.Exists(options.Kubeconfig))
        {
            failures.Add($"Sidecar:Kubeconfig: file '{options.Kubeconfig}' does not exist");
        }
        else if (!string.IsNullOrEmpty(options.Kubeconfig))
        {
            // An empty or broken file otherwise fails later, as a NullReferenceException from
            // deep in the client when the first service is built.
            try
            {
                _ = Kubernetes.KubernetesServiceCollectionExtensions.ClientConfiguration(options.Kubeconfig);
            }
            catch (Exception e)
            {
                failures.Add($"Sidecar:Kubeconfig: '{options.Kubeconfig}' is not a usable kubeconfig ({e.GetType().Name}: {e.Message})");
            }
        }

        var folder = Path.GetDirectoryName(options.SocketPath);
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
        {
            failures.Add($"Sidecar:SocketPath: folder '{folder}' does not exist (mount the shared emptyDir there)");
        }

        if (options.GrpcPort != 0 && options.GrpcPort == options.MetricsPort)
        {
            failures.Add($"Sidecar:GrpcPort and Sidecar:MetricsPort are both {options.GrpcPort}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
