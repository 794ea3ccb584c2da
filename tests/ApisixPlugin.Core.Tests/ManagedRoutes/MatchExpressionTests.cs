using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Rollouts;

namespace ApisixPlugin.Core.Tests.ManagedRoutes;

/// <summary>What README says of regexes and header names: checked before anything is written, with .NET's parser standing in for APISIX's PCRE.</summary>
public sealed class MatchExpressionTests
{
    [Theory]
    [InlineData("(unclosed")]
    [InlineData("[a-")]
    [InlineData("*start")]
    [InlineData("a{2,1}")]
    [InlineData("a++")] // PCRE's possessive quantifier: refused here, though APISIX would take it
    [InlineData("\\Kx")] // PCRE's match reset: refused here too
    [InlineData("a(*SKIP)(*FAIL)|b")] // PCRE's backtracking verbs
    [InlineData("\\((?:[^()]|(?R))*\\)")] // PCRE's recursion
    public void A_regex_the_parser_refuses_is_InvalidArgument_naming_it(string pattern)
    {
        var e = Assert.Throws<RouterException>(() => MatchExpressions.For("Header", "trace", new StringMatch(Regex: pattern), "setHeaderRoute 'h' match[0] headerValue"));

        Assert.Equal(RouterErrorKind.InvalidArgument, e.Kind);
        Assert.StartsWith($"setHeaderRoute 'h' match[0] headerValue: regex '{pattern}' is not a valid regular expression", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("^debug$")]
    [InlineData("(?>a+)b")] // the atomic group README suggests instead of a++
    [InlineData("^(?i)trace-[0-9]{1,3}(,|$)")]
    public void A_regex_both_parsers_take_is_written_as_given(string pattern)
    {
        var expr = MatchExpressions.For("Header", "trace", new StringMatch(Regex: pattern), "at");

        Assert.Equal("RegexMatch", expr["op"]!.GetValue<string>());
        Assert.Equal(pattern, expr["value"]!.GetValue<string>());
    }

    /// <summary>.NET-only syntax is not caught here: README warns that APISIX would not take it.</summary>
    [Theory]
    [InlineData("(?<open>a)(?<close-open>b)")] // a balancing group, which PCRE refuses
    [InlineData("[a-z-[aeiou]]")] // class subtraction, which PCRE reads as another class
    public void A_regex_only_dotnet_takes_passes_here_as_README_warns(string pattern)
    {
        var expr = MatchExpressions.For("Header", "trace", new StringMatch(Regex: pattern), "at");

        Assert.Equal(pattern, expr["value"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("x trace")]
    [InlineData("x:trace")]
    [InlineData("trace\u00e9")]
    [InlineData("(trace)")]
    public void A_header_name_that_is_no_HTTP_token_is_InvalidArgument_naming_it(string name)
    {
        var e = Assert.Throws<RouterException>(() => MatchExpressions.RequireHeaderName(name, "at"));

        Assert.Equal(RouterErrorKind.InvalidArgument, e.Kind);
        Assert.Contains($"'{name}' is not an HTTP header name", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("trace")]
    [InlineData("X-Canary_Version.2")]
    [InlineData("!#$%&'*+-.^_`|~")]
    public void An_HTTP_token_is_a_header_name(string name) => Assert.Equal(name, MatchExpressions.RequireHeaderName(name, "at"));
}
