using System.Collections.Immutable;
using System.Text.Json;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Weights;

/// <summary>
/// What a patch planned from a remembered route must also test, so that the API server refuses it
/// whenever the plan rested on something no longer true: the same object (uid), every steered
/// rule's name and backends (not only the rules the plan changes: an unchanged rule is "already
/// there" only if it still is), and the in-progress label as remembered. A refused patch is
/// planned again from a read.
/// </summary>
public static class RecalledRouteGuard
{
    public static ImmutableArray<PatchOperation> For(ApisixRouteSnapshot route, RouteTarget target, string? labelKey)
    {
        var tests = ImmutableArray.CreateBuilder<PatchOperation>();
        if (route.Uid is { } uid)
        {
            tests.Add(PatchOperation.Test("/metadata/uid", JsonElements.String(uid)));
        }

        var index = target.Rules.Length > 1 ? route.IndexRules() : null;
        foreach (var ruleName in target.Rules)
        {
            var rule = route.RequireRule(ruleName, index);
            tests.Add(PatchOperation.Test($"/spec/http/{rule.Index}/name", rule.NameJson is { ValueKind: JsonValueKind.String } name ? name : JsonElements.String(rule.Name)));
            if (rule.BackendsJson is { } backends)
            {
                tests.Add(PatchOperation.Test($"/spec/http/{rule.Index}/backends", backends));
            }
        }

        if (!string.IsNullOrEmpty(labelKey) && route.Label(labelKey) is { Length: > 0 } value)
        {
            tests.Add(PatchOperation.Test($"/metadata/labels/{PatchOperation.Escape(labelKey)}", JsonElements.String(value)));
        }

        return tests.ToImmutable();
    }
}
