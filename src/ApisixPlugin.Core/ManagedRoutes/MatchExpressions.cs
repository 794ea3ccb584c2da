using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
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
            _ => ("RegexMatch", RequireRegex(match.Regex!, at)),
        };
    }

    /// <summary>
    /// A regex APISIX would fail on must not reach a route. APISIX matches with PCRE; .NET's
    /// parser is the one at hand, and for the syntax both share it finds the same errors. It
    /// refuses some PCRE-only syntax (possessive quantifiers such as <c>a++</c>, <c>\K</c>,
    /// backtracking verbs, recursion), which the error then names; README says how to rewrite it.
    /// </summary>
    private static string RequireRegex(string pattern, string at)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None);
            return pattern;
        }
        catch (ArgumentException e)
        {
            throw RouterException.Invalid($"{at}: regex '{pattern}' is not a valid regular expression ({e.Message})");
        }
    }

    /// <summary>A header name as a step gives it; APISIX would never match a name that is no HTTP token.</summary>
    public static string RequireHeaderName(string? name, string at)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw RouterException.Invalid($"{at}: the header name is empty");
        }

        if (!IsHttpToken(name))
        {
            throw RouterException.Invalid($"{at}: '{name}' is not an HTTP header name (RFC 9110 token: letters, digits and !#$%&'*+-.^_`|~)");
        }

        return name;
    }

    /// <summary>RFC 9110's token: what a header field name may be made of.</summary>
    private static bool IsHttpToken(string name)
    {
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
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
