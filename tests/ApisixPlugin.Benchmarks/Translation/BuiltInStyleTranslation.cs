using System.Text.Json;
using System.Text.Json.Nodes;

namespace ApisixPlugin.Benchmarks.Translation;

/// <summary>
/// The reference: what argo-rollouts' built-in APISIX router does with a route per SetWeight call,
/// redone in C# (same algorithm, not its code). It decodes the whole route into a mutable tree
/// (Go: unstructured map), takes a deep copy of spec.http (NestedSlice copies), finds each named
/// rule by a linear scan, sets canary = w and stable = 100 - w, stores a deep copy back
/// (SetNestedSlice copies), and encodes the whole object for a full-object PUT. It never checks
/// whether anything changed, ignores additional destinations and maxTrafficWeight.
/// </summary>
internal static class BuiltInStyleTranslation
{
    public static byte[] Translate(string routeJson, IReadOnlyList<string> rules, string canary, string stable, int weight)
    {
        var route = JsonNode.Parse(routeJson)?.AsObject() ?? throw new InvalidOperationException("the route is not a JSON object");
        var spec = route["spec"]?.AsObject() ?? throw new InvalidOperationException("spec was not found");
        var http = spec["http"]?.DeepClone().AsArray() ?? throw new InvalidOperationException("spec.http was not found");

        foreach (var ruleName in rules)
        {
            var rule = FindRule(http, ruleName);
            var backends = rule["backends"]?.AsArray() ?? throw new InvalidOperationException($"rule {ruleName}: backends not found");
            SetBackendWeight(backends, canary, weight);
            SetBackendWeight(backends, stable, 100 - weight);
        }

        spec["http"] = http.DeepClone();
        return JsonSerializer.SerializeToUtf8Bytes(route);
    }

    /// <summary>Applies the same edit to a tree the caller already holds (the end-to-end harness's GET result).</summary>
    public static void SetWeights(JsonObject route, IReadOnlyList<string> rules, string canary, string stable, int weight)
    {
        var http = route["spec"]!["http"]!.AsArray();
        foreach (var ruleName in rules)
        {
            var backends = FindRule(http, ruleName)["backends"]!.AsArray();
            SetBackendWeight(backends, canary, weight);
            SetBackendWeight(backends, stable, 100 - weight);
        }
    }

    private static JsonObject FindRule(JsonArray http, string name)
    {
        foreach (var rule in http)
        {
            if (rule is JsonObject o && o["name"]?.GetValue<string>() == name)
            {
                return o;
            }
        }

        throw new InvalidOperationException($"rule {name} not found");
    }

    private static void SetBackendWeight(JsonArray backends, string service, int weight)
    {
        foreach (var backend in backends)
        {
            if (backend is JsonObject o && o["serviceName"]?.GetValue<string>() == service)
            {
                o["weight"] = weight;
                return;
            }
        }

        throw new InvalidOperationException($"backend {service} not found");
    }
}
