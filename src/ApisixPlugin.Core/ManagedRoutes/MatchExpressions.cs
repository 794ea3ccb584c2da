using System.Text;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Rollouts;

namespace ApisixPlugin.Core.ManagedRoutes;

/// <summary>Argo's string matches as APISIX match expressions (<c>spec.http[].match.exprs[]</c>).</summary>
public static class MatchExpressions
{
    /// <summary>
    /// exact → Equal; regex → RegexMatch; prefix → RegexMatch of the escaped, anchored prefix
    /// (the built-in router leaves the prefix unescaped, so "/v1.2" also matched "/v1x2").
    /// </summary>
    public static JsonObject For(string scope, string? name, StringMatch match, string at)
    {
        var (op, value) = OperatorAndValue(match, at);
        var subject = new JsonObject { ["scope"] = scope };
        if (name is not null)
        {
            subject["name"] = name;
        }

        return new JsonObject { ["subject"] = subject, ["op"] = op, ["value"] = value };
    }

    public static (string Op, string Value) OperatorAndValue(StringMatch match, string at)
    {
        var set = new[] { ("exact", match.Exact), ("prefix", match.Prefix), ("regex", match.Regex) }
            .Where(m => !string.IsNullOrEmpty(m.Item2)).ToArray();
        if (set.Length != 1)
        {
            throw RouterException.Invalid(set.Length == 0
                ? $"{at}: set one of exact, prefix or regex"
                : $"{at}: set only one of exact, prefix or regex, not {string.Join(" and ", set.Select(s => s.Item1))}");
        }

        return set[0].Item1 switch
        {
            "exact" => ("Equal", match.Exact!),
            "prefix" => ("RegexMatch", "^" + EscapeRegex(match.Prefix!)),
            _ => ("RegexMatch", match.Regex!),
        };
    }

    /// <summary>Escapes PCRE metacharacters (APISIX matches with PCRE), so the prefix is taken literally.</summary>
    public static string EscapeRegex(string literal)
    {
        var escaped = new StringBuilder(literal.Length + 8);
        foreach (var c in literal)
        {
            if ("\\^$.|?*+()[]{}/".Contains(c, StringComparison.Ordinal))
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}
