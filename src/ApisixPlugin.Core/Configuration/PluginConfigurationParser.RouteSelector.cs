using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using ApisixPlugin.Core.Errors;

namespace ApisixPlugin.Core.Configuration;

/// <summary>
/// <c>routeSelector</c>: a Kubernetes label selector (<c>matchLabels</c>, <c>matchExpressions</c>)
/// checked as the API server would check it, so that a typo is named here rather than becoming a
/// selector that silently matches nothing, plus the namespace and the rules.
/// </summary>
public static partial class PluginConfigurationParser
{
    private static RouteSelector ParseSelector(string at, JsonElement element, string rolloutNamespace)
    {
        RequireObject(at, element);
        RejectUnknownFields(at, element, SelectorFields);

        var labels = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (element.TryGetProperty("matchLabels", out var matchLabels))
        {
            RequireObject($"{at}.matchLabels", matchLabels);
            foreach (var label in matchLabels.EnumerateObject())
            {
                var key = RequireLabelKey($"{at}.matchLabels", label.Name);
                labels[key] = RequireLabelValue($"{at}.matchLabels.{key}", label.Value);
            }
        }

        var expressions = ImmutableArray.CreateBuilder<LabelRequirement>();
        if (element.TryGetProperty("matchExpressions", out var matchExpressions))
        {
            if (matchExpressions.ValueKind != JsonValueKind.Array)
            {
                throw RouterException.Invalid($"{at}.matchExpressions: must be a list of {{key, operator, values}}");
            }

            var index = 0;
            foreach (var item in matchExpressions.EnumerateArray())
            {
                expressions.Add(ParseRequirement($"{at}.matchExpressions[{index++}]", item));
            }
        }

        if (labels.Count == 0 && expressions.Count == 0)
        {
            throw RouterException.Invalid($"{at}: needs matchLabels or matchExpressions; an empty selector would select every ApisixRoute in the namespace");
        }

        var ns = rolloutNamespace;
        if (element.TryGetProperty("namespace", out var nsElement))
        {
            ns = RequireString($"{at}.namespace", nsElement);
            if (!DnsLabel().IsMatch(ns))
            {
                throw RouterException.Invalid($"{at}.namespace: '{ns}' is not a valid namespace name");
            }
        }

        var rules = element.TryGetProperty("rules", out var rulesElement) ? ParseRules($"{at}.rules", rulesElement) : [];
        return new RouteSelector(ns, labels.ToImmutable(), expressions.ToImmutable(), rules);
    }

    private static LabelRequirement ParseRequirement(string at, JsonElement item)
    {
        RequireObject(at, item);
        RejectUnknownFields(at, item, ExpressionFields);
        if (!item.TryGetProperty("key", out var keyElement) || !item.TryGetProperty("operator", out var opElement))
        {
            throw RouterException.Invalid($"{at}: 'key' and 'operator' are required");
        }

        var key = RequireLabelKey($"{at}.key", RequireString($"{at}.key", keyElement));
        var opText = RequireString($"{at}.operator", opElement);
        var op = opText switch
        {
            "In" => LabelOperator.In,
            "NotIn" => LabelOperator.NotIn,
            "Exists" => LabelOperator.Exists,
            "DoesNotExist" => LabelOperator.DoesNotExist,
            _ => throw RouterException.Invalid($"{at}.operator: '{opText}' is not one of In, NotIn, Exists, DoesNotExist"),
        };

        var values = ImmutableArray.CreateBuilder<string>();
        if (item.TryGetProperty("values", out var valuesElement) && valuesElement.ValueKind != JsonValueKind.Null)
        {
            if (valuesElement.ValueKind != JsonValueKind.Array)
            {
                throw RouterException.Invalid($"{at}.values: must be a list of label values");
            }

            var index = 0;
            foreach (var value in valuesElement.EnumerateArray())
            {
                values.Add(RequireLabelValue($"{at}.values[{index++}]", value));
            }
        }

        var needsValues = op is LabelOperator.In or LabelOperator.NotIn;
        if (needsValues && values.Count == 0)
        {
            throw RouterException.Invalid($"{at}.values: operator {op} needs at least one value");
        }

        if (!needsValues && values.Count > 0)
        {
            throw RouterException.Invalid($"{at}.values: operator {op} takes no values");
        }

        return new LabelRequirement(key, op, values.ToImmutable());
    }

    /// <summary>A label key as Kubernetes accepts it: an optional DNS-subdomain prefix, '/', and a name of at most 63 characters.</summary>
    private static string RequireLabelKey(string at, string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var (prefix, name) = slash < 0 ? ("", key) : (key[..slash], key[(slash + 1)..]);
        if ((slash >= 0 && (prefix.Length > 253 || !DnsSubdomain().IsMatch(prefix))) || name.Length > 63 || !LabelName().IsMatch(name))
        {
            throw RouterException.Invalid($"{at}: '{key}' is not a valid label key");
        }

        return key;
    }

    private static string RequireLabelValue(string at, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            throw RouterException.Invalid($"{at}: must be a string, not {Describe(element)}");
        }

        var value = element.GetString()!;
        if (value.Length > 63 || (value.Length > 0 && !LabelName().IsMatch(value)))
        {
            throw RouterException.Invalid($"{at}: '{value}' is not a valid label value");
        }

        return value;
    }

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\\z")]
    private static partial Regex LabelName();
}
