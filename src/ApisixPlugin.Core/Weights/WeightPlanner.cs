using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Weights;

/// <summary>
/// Turns a weight split into the JSON Patch for one ApisixRoute. Only the backends of the
/// configured rules (and the plugin's own annotation) are written; each replaced backends list is
/// guarded by a <c>test</c> of the list as it was read, so a concurrent edit makes the write fail
/// and be retried instead of being overwritten. A route that already has the split yields an empty
/// patch: nothing is sent.
/// </summary>
public static class WeightPlanner
{
    public static RoutePatch Plan(ApisixRouteSnapshot route, RouteTarget target, WeightSplit split)
    {
        var recorded = AddedBackends.Read(route);

        // One pass over spec.http when several rules are configured, so that planning stays linear
        // in the route's size; a single rule is found without parsing the others.
        var index = target.Rules.Length > 1 ? route.IndexRules() : null;
        var changed = new List<ChangedRule>();
        foreach (var ruleName in target.Rules)
        {
            var rule = route.RequireRule(ruleName, index);
            if (BackendsRewrite.Check(route, rule, split, recorded.For(ruleName)) is { } change)
            {
                changed.Add(change);
            }
        }

        var operations = ImmutableArray.CreateBuilder<PatchOperation>(3 * changed.Count + 2);
        foreach (var change in changed)
        {
            var rule = change.Rule;
            var backends = $"/spec/http/{rule.Index}/backends";
            operations.Add(PatchOperation.Test($"/spec/http/{rule.Index}/name", NameOf(rule)));
            operations.Add(PatchOperation.Test(backends, rule.BackendsJson!.Value));
            operations.Add(PatchOperation.Replace(backends, change.WriteBackends));
        }

        var added = recorded.With(target.Rules, split.Additional.Select(a => a.ServiceName));
        operations.AddRange(AnnotationChange(route, added));
        return new RoutePatch(route.Namespace, route.Name, operations.ToImmutable());
    }

    /// <summary>
    /// The rule's name as the route holds it: the same value a new string element would be, and
    /// already there, so no JSON is built per rule for the guard.
    /// </summary>
    private static JsonElement NameOf(RouteRule rule) =>
        rule.NameJson is { ValueKind: JsonValueKind.String } name ? name : JsonElements.String(rule.Name);

    /// <summary>
    /// The record's new value, guarded by the resourceVersion read. Another Rollout may steer other
    /// rules of the same route and update the same record at the same time: a write planned from
    /// an older record would drop its entry, and the experiment backend it names would then stay
    /// in the route for good.
    /// </summary>
    private static IEnumerable<PatchOperation> AnnotationChange(ApisixRouteSnapshot route, AddedBackends after)
    {
        var key = ApisixRouteConventions.AddedBackendsAnnotation;
        var path = $"/metadata/annotations/{PatchOperation.Escape(key)}";
        var existing = route.Annotation(key);
        var wanted = after.IsEmpty ? null : after.ToJson();
        if (existing == wanted)
        {
            yield break;
        }

        yield return PatchOperation.Test("/metadata/resourceVersion", JsonElements.String(route.ResourceVersion ?? ""));
        if (wanted is null)
        {
            yield return PatchOperation.Remove(path);
        }
        else if (!route.HasAnnotations)
        {
            yield return PatchOperation.Add("/metadata/annotations", JsonElements.ToElement(new JsonObject { [key] = wanted }));
        }
        else
        {
            yield return PatchOperation.Add(path, JsonElements.String(wanted));
        }
    }
}
