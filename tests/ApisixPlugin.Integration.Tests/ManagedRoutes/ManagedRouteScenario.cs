using System.Net;
using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using ApisixPlugin.Testing.Crds;
using ApisixPlugin.Testing.Routes;
using k8s;
using k8s.Autorest;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;

namespace ApisixPlugin.Integration.Tests.ManagedRoutes;

/// <summary>
/// The guide's objects dressed the way a real cluster has them (an ingress class, a GitOps
/// tracking label, kubectl's last-applied annotation, a priority and an expr of its own), the
/// step arguments the controller sends, and ways to look at what the sidecar wrote.
/// </summary>
internal static class ManagedRouteScenario
{
    public const string HeaderRoute = "set-header";
    public const string MirrorRoute = "mirror-route";
    public const string IngressClass = "apisix";
    public const int SourcePriority = 2;
    public const string GitOpsLabel = "argocd.argoproj.io/instance";
    public const string LastApplied = "kubectl.kubernetes.io/last-applied-configuration";
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";

    public static string Config(params string[] rules)
    {
        var names = new JsonArray([.. (rules.Length == 0 ? [Rule] : rules).Select(r => (JsonNode)JsonValue.Create(r))]);
        return new JsonObject { ["route"] = new JsonObject { ["name"] = Route, ["rules"] = names } }.ToJsonString();
    }

    /// <summary>The guide's Rollout with these managed routes listed, configured for the guide's one rule.</summary>
    public static Rollout RolloutWith(string ns, params string[] managedRoutes) => Rollout(ns, Config(), managedRoutes);

    /// <summary>The guide's route, as Argo CD or kubectl apply left it, with extra rules if asked.</summary>
    public static JsonObject SourceRoute(params string[] extraRules)
    {
        var route = ApisixRoute(Route, extraRules);
        route["metadata"]!["labels"] = new JsonObject { [GitOpsLabel] = "rollouts-demo" };
        route["metadata"]!["annotations"] = new JsonObject { [LastApplied] = """{"kind":"ApisixRoute"}""" };
        route["spec"]!["ingressClassName"] = IngressClass;
        var rule = route["spec"]!["http"]![0]!.AsObject();
        rule["priority"] = SourcePriority;
        rule["match"]!["exprs"] = new JsonArray(SourceExpr());
        return route;
    }

    /// <summary>The source rule's own condition, which every copy must keep.</summary>
    public static JsonObject SourceExpr() => Expr("Header", "x-tenant", "Equal", "acme");

    public static JsonObject Expr(string scope, string? name, string op, string value)
    {
        var subject = new JsonObject { ["scope"] = scope };
        if (name is not null)
        {
            subject["name"] = name;
        }

        return new JsonObject { ["subject"] = subject, ["op"] = op, ["value"] = value };
    }

    public static StringMatch Exact(string value) => new() { Exact = value };

    public static StringMatch Prefix(string value) => new() { Prefix = value };

    public static StringMatch Regex(string value) => new() { Regex = value };

    public static SetHeaderRouteRequest Header(Rollout rollout, string name, params (string Header, StringMatch Value)[] matches)
    {
        var step = new SetHeaderRoute { Name = name };
        step.Match.AddRange(matches.Select(m => new HeaderRoutingMatch { HeaderName = m.Header, HeaderValue = m.Value }));
        return new SetHeaderRouteRequest { Rollout = rollout, HeaderRoute = step };
    }

    public static SetMirrorRouteRequest Mirror(Rollout rollout, string name, int? percentage, params RouteMatch[] matches)
    {
        var step = new SetMirrorRoute { Name = name };
        if (percentage is { } p)
        {
            step.Percentage = p;
        }

        step.Match.AddRange(matches);
        return new SetMirrorRouteRequest { Rollout = rollout, MirrorRoute = step };
    }

    /// <summary>The route, or null when the API server says 404.</summary>
    public static async Task<JsonObject?> TryGetAsync(this SidecarClusterFixture fx, string ns, string name)
    {
        try
        {
            return await fx.ApisixRoutes.GetAsync(ns, name);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Every ApisixRoute in the namespace, by name: what a call created or deleted shows here.</summary>
    public static async Task<SortedDictionary<string, string>> SnapshotAsync(this SidecarClusterFixture fx, string ns)
    {
        var list = await fx.Admin.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(ApisixCrd.Group, ApisixCrd.Version, ns, ApisixCrd.Plural);
        return new SortedDictionary<string, string>(
            list["items"]!.AsArray().ToDictionary(i => i!["metadata"]!["name"]!.GetValue<string>(), i => i!.ToJsonString()),
            StringComparer.Ordinal);
    }

    public static JsonArray Rules(JsonObject route) => route["spec"]!["http"]!.AsArray();

    public static JsonObject RuleNamed(JsonObject route, string name) =>
        Rules(route).SingleOrDefault(r => r!["name"]!.GetValue<string>() == name)?.AsObject()
        ?? throw new Xunit.Sdk.XunitException($"no rule '{name}' in {route["metadata"]!["name"]}: {string.Join(", ", Rules(route).Select(r => r!["name"]))}");

    public static string ResourceVersion(JsonObject route) => route["metadata"]!["resourceVersion"]!.GetValue<string>();

    public static int Priority(JsonObject rule) => rule["priority"]?.GetValue<int>() ?? 0;

    public static string[] Strings(JsonNode? array) => array?.AsArray().Select(n => n!.GetValue<string>()).ToArray() ?? [];

    /// <summary>The node as text with object keys sorted (<see cref="CanonicalJson"/>).</summary>
    public static string Json(JsonNode? node) => CanonicalJson.Of(node);

    /// <summary>The proxy-mirror plugin of a rule, or null.</summary>
    public static JsonObject? MirrorPlugin(JsonObject rule) =>
        rule["plugins"]?.AsArray().SingleOrDefault(p => p!["name"]!.GetValue<string>() == "proxy-mirror")?.AsObject();

    public static string CanaryHost(string ns, int port = 80, string domain = "cluster.local") => $"http://{Canary}.{ns}.svc.{domain}:{port}";
}
