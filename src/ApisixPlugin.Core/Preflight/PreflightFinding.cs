namespace ApisixPlugin.Core.Preflight;

/// <summary>A check's verdict. Only <see cref="Fail"/> makes <c>check</c> exit 1.</summary>
public enum FindingStatus
{
    Pass,

    /// <summary>Works now, but deserves a look (no ingress status yet, a permission only later steps need).</summary>
    Warn,

    Fail,
}

/// <summary>
/// One verdict of the preflight: which check, about what (a route, a rule, a namespace, the
/// controller's ConfigMap), and a message that names the route, rule, field or value at fault.
/// </summary>
public sealed record PreflightFinding(FindingStatus Status, string Check, string Subject, string Message)
{
    public static PreflightFinding Pass(string check, string subject, string message) => new(FindingStatus.Pass, check, subject, message);

    public static PreflightFinding Warn(string check, string subject, string message) => new(FindingStatus.Warn, check, subject, message);

    public static PreflightFinding Fail(string check, string subject, string message) => new(FindingStatus.Fail, check, subject, message);

    /// <summary>The worst status among the findings; Pass when there are none.</summary>
    public static FindingStatus Worst(IEnumerable<PreflightFinding> findings) =>
        findings.Select(f => f.Status).DefaultIfEmpty(FindingStatus.Pass).Max();
}

/// <summary>The names of the checks, as the report and its JSON spell them.</summary>
public static class PreflightCheck
{
    /// <summary>Reading the Rollouts themselves (list or get rollouts.argoproj.io).</summary>
    public const string Rollouts = "rollouts";

    /// <summary>The plugin block under trafficRouting.plugins parses, as the sidecar parses it.</summary>
    public const string PluginConfig = "plugin-config";

    /// <summary>A route in another namespace consents to the Rollout.</summary>
    public const string Consent = "consent";

    /// <summary>The route exists (and could be read).</summary>
    public const string Route = "route";

    public const string IngressClass = "ingress-class";

    /// <summary>The ingress controller's condition on the route (Accepted, or ResourcesAvailable on 1.x).</summary>
    public const string RouteStatus = "route-status";

    /// <summary>The configured rule exists, is named once, and its backends can be weighed.</summary>
    public const string Rule = "rule";

    public const string DuplicateService = "duplicate-service";

    /// <summary>The Rollout's canary or stable service is a backend of the rule.</summary>
    public const string Backend = "backend";

    /// <summary>The Rollout's steps reach the plugin as written (go-plugin's encoding leaves zero values out).</summary>
    public const string Steps = "steps";

    /// <summary>A managedRoutes name is free or already this Rollout's.</summary>
    public const string ManagedRoute = "managed-route";

    /// <summary>What the credentials in use may do (SelfSubjectAccessReview).</summary>
    public const string Permission = "permission";

    /// <summary>The controller's argo-rollouts-config registers the plugin.</summary>
    public const string ControllerConfig = "controller-config";

    /// <summary>The controller's pod has the bridge where the registration points and a sidecar on its socket.</summary>
    public const string ControllerPod = "controller-pod";
}
