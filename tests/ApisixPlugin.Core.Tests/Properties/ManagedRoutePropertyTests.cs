using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.ManagedRoutes;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Tests.Support;
using CsCheck;

namespace ApisixPlugin.Core.Tests.Properties;

/// <summary>
/// What every setHeaderRoute and setMirrorRoute must guarantee, for any source routes and any
/// match entries: which copies there are, where they sit in priority, that they follow the source
/// rules, and that a call converges in one write. Each property runs for both kinds of step.
/// </summary>
public sealed class ManagedRoutePropertyTests
{
    private const long Iterations = 300;

    public static TheoryData<bool> Kinds() => new(false, true);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_configured_rule_gets_exactly_one_copy_per_match_entry_it_can_take(bool mirror)
    {
        ManagedRouteScenarioGen.Scenarios.Sample(s =>
        {
            var call = s.Call(mirror);
            var expected = ExpectedCopies(s, mirror);
            if (expected.Count == 0)
            {
                // Every match asks for a method no configured rule takes: refused, nothing written.
                var e = Assert.Throws<RouterException>(() => call.Desired(s.Routes));
                Assert.Equal(RouterErrorKind.InvalidArgument, e.Kind);
                return;
            }

            var desired = new ApisixRouteSnapshot(call.Desired(s.Routes));
            Assert.Equal(expected.Select(c => c.Name), desired.Rules().Select(r => r.Name));
            foreach (var copy in expected)
            {
                var rule = desired.FindRule(copy.Name)!;
                if (mirror)
                {
                    AssertMirrorCopy(s, copy, rule);
                }
                else
                {
                    AssertHeaderCopy(s, copy, rule);
                }
            }
        }, iter: Iterations);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Copies_sit_above_their_source_rule_and_in_the_order_of_managedRoutes(bool mirror)
    {
        ManagedRouteScenarioGen.Scenarios.Sample(s =>
        {
            var expected = ExpectedCopies(s, mirror);
            if (expected.Count == 0)
            {
                return;
            }

            // The same step made for each listed managed route in turn: the first listed must win.
            var byListed = s.ManagedRoutes.Select(name => new ApisixRouteSnapshot(s.Call(mirror, name).Desired(s.Routes))).ToList();
            foreach (var copy in expected)
            {
                var priorities = s.ManagedRoutes.Select((name, k) => byListed[k].FindRule(CopyName(s, name, copy, mirror))!.Priority).ToList();
                Assert.All(priorities, p => Assert.True(p > copy.Rule.Priority, $"{copy.Name}: priority {p} is not above the source's {copy.Rule.Priority}"));
                Assert.True(priorities.Zip(priorities.Skip(1)).All(pair => pair.First > pair.Second),
                    $"{copy.Name}: priorities [{string.Join(", ", priorities)}] for managedRoutes [{string.Join(", ", s.ManagedRoutes)}] do not fall with the position");
            }
        }, iter: Iterations);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void An_edit_of_a_source_rule_is_carried_into_its_copies_on_the_next_plan(bool mirror)
    {
        ManagedRouteScenarioGen.Scenarios.Sample(s =>
        {
            var call = s.Call(mirror);
            if (ExpectedCopies(s, mirror).Count == 0)
            {
                return;
            }

            var existing = Converged(call, s.Routes, null);
            var (edited, routeIndex, ruleName, what) = EditOneRule(s);
            var copied = ExpectedCopies(s, mirror).Where(c => c.RouteIndex == routeIndex && c.Rule.Name == ruleName).ToList();

            var change = call.Plan(edited, existing);

            if (copied.Count == 0)
            {
                // A rule without copies (not configured, or never taking the mirrored method) changes nothing.
                Assert.True(change is ManagedRouteChange.Nothing, $"{what} of uncopied {ruleName}: planned {ManagedRouteCall.Describe(change).ToJsonString()}");
                return;
            }

            var update = Assert.IsType<ManagedRouteChange.Update>(change);
            var after = ApiServer.Patch(existing, update.Patch);
            Assert.True(JsonElement.DeepEquals(call.Desired(edited).GetProperty("spec"), after.Json.GetProperty("spec")), $"{what}: the patched spec is not what the edited sources make");
            var source = edited[routeIndex].FindRule(ruleName)!;
            foreach (var copy in copied)
            {
                var rule = after.FindRule(copy.Name)!;
                Assert.True(JsonNode.DeepEquals(Node(source.Json)["match"]!["paths"], Node(rule.Json)["match"]!["paths"]), $"{what}: {copy.Name} has other paths than {ruleName}");
                Assert.True(rule.Priority > source.Priority, $"{what}: {copy.Name} priority {rule.Priority} is not above {source.Priority}");
                var own = Exprs(source.Json);
                Assert.True(JsonNode.DeepEquals(new JsonArray([.. own.Select(e => e!.DeepClone())]), new JsonArray([.. Exprs(rule.Json).Take(own.Count).Select(e => e!.DeepClone())])),
                    $"{what}: {copy.Name} does not start with {ruleName}'s exprs");
            }

            Assert.IsType<ManagedRouteChange.Nothing>(call.Plan(edited, after));
        }, iter: Iterations);
    }

    /// <summary>
    /// Whatever owned route of that name exists before (none; one from the same step with other
    /// matches; one from the other kind of step), one write brings it to what the call wants, and
    /// the same call over the result, read back as the API server returns it, writes nothing.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void Planning_the_same_call_again_over_the_route_it_produced_writes_nothing(bool mirror)
    {
        ManagedRouteScenarioGen.Scenarios.Sample(s =>
        {
            var call = s.Call(mirror);
            if (ExpectedCopies(s, mirror).Count == 0)
            {
                return;
            }

            var before = (s.Edit % 3) switch
            {
                0 => null,
                1 => ExpectedCopies(Narrowed(s, mirror), mirror).Count == 0 ? null : Converged(Narrowed(s, mirror).Call(mirror), s.Routes, null),
                _ => ExpectedCopies(s, !mirror).Count == 0 ? null : Converged(s.Call(!mirror), s.Routes, null),
            };

            var first = call.Plan(s.Routes, before);
            Assert.True(first is ManagedRouteChange.Create or ManagedRouteChange.Update or ManagedRouteChange.Nothing, $"first plan: {first}");
            var after = Converged(call, s.Routes, before);

            var again = call.Plan(s.Routes, after);

            Assert.True(again is ManagedRouteChange.Nothing, $"second identical call would {ManagedRouteCall.Describe(again).ToJsonString()}");
        }, iter: Iterations);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_route_of_that_name_the_Rollout_does_not_own_is_never_written_and_an_owned_one_is_removed(bool mirror)
    {
        ManagedRouteScenarioGen.Scenarios.Sample(s =>
        {
            var call = s.Call(mirror);
            if (ExpectedCopies(s, mirror).Count == 0)
            {
                return;
            }

            var owned = Converged(call, s.Routes, null);
            var foreign = Foreign(owned, s.Edit % 2 == 0);
            var rollout = s.Rollout();

            Assert.Equal(RouterErrorKind.FailedPrecondition, Assert.Throws<RouterException>(() => call.Plan(s.Routes, foreign)).Kind);
            Assert.Equal(RouterErrorKind.FailedPrecondition,
                Assert.Throws<RouterException>(() => ManagedRoutePlanner.Remove(foreign, rollout, "step", foreignIsError: true)).Kind);
            Assert.IsType<ManagedRouteChange.Nothing>(ManagedRoutePlanner.Remove(foreign, rollout, "removeManagedRoutes", foreignIsError: false));
            Assert.Same(owned, Assert.IsType<ManagedRouteChange.Delete>(ManagedRoutePlanner.Remove(owned, rollout, "removeManagedRoutes", foreignIsError: false)).Route);
        }, iter: Iterations);
    }

    /// <summary>Guards the properties above against passing vacuously: the generator must reach
    /// the states they are about.</summary>
    [Fact]
    public void The_generator_reaches_the_interesting_states()
    {
        var seen = new int[9];
        ManagedRouteScenarioGen.Scenarios.Sample(s =>
        {
            var mirrorCopies = ExpectedCopies(s, mirror: true);
            var (_, routeIndex, ruleName, _) = EditOneRule(s);
            Count(seen, 0, s.Routes.Length > 1);
            Count(seen, 1, s.HeaderMatches.Length > 1);
            Count(seen, 2, s.ManagedRoutes.Length > 1);
            Count(seen, 3, mirrorCopies.Count > 0 && mirrorCopies.Count < s.Configured.Sum(c => c.Length) * s.MirrorMatches.Length);
            Count(seen, 4, mirrorCopies.Count == 0);
            Count(seen, 5, s.Routes.SelectMany(r => r.Rules()).Any(r => r.Json.TryGetProperty("upstreams", out _)));
            Count(seen, 6, !s.Configured[routeIndex].Contains(ruleName));
            Count(seen, 7, s.Configured[routeIndex].Contains(ruleName));
            Count(seen, 8, s.Routes.SelectMany(r => r.Rules()).Any(r => !r.Json.TryGetProperty("priority", out _)));
        }, iter: Iterations);

        Assert.All(seen, n => Assert.InRange(n, 5, int.MaxValue));
    }

    /// <summary>One expected copy: the source rule it copies and which match entry it is for.</summary>
    private sealed record Copy(int RouteIndex, RouteRule Rule, int Match, string Name);

    /// <summary>
    /// The copies a call must make, in order: the configured routes and rules in the
    /// configuration's order, one per match entry, except a mirror copy for a method its source
    /// rule never takes (it would widen the rule).
    /// </summary>
    private static List<Copy> ExpectedCopies(ManagedRouteScenario s, bool mirror)
    {
        var copies = new List<Copy>();
        var routes = s.Routes;
        for (var r = 0; r < routes.Length; r++)
        {
            foreach (var name in s.Configured[r])
            {
                var rule = routes[r].FindRule(name)!;
                for (var i = 0; i < s.MatchCount(mirror); i++)
                {
                    if (!mirror || Takes(rule, s.MirrorMatches[i].Method?.Exact))
                    {
                        var copy = new Copy(r, rule, i, "");
                        copies.Add(copy with { Name = CopyName(s, s.StepName, copy, mirror) });
                    }
                }
            }
        }

        return copies;
    }

    /// <summary>Named for the managed route, the route when there are several, the rule, and the match entry when there are several.</summary>
    private static string CopyName(ManagedRouteScenario s, string managedRoute, Copy copy, bool mirror)
    {
        var name = s.Routes.Length > 1 ? $"{managedRoute}-{ManagedRouteScenarioGen.RouteName(copy.RouteIndex)}-{copy.Rule.Name}" : $"{managedRoute}-{copy.Rule.Name}";
        return s.MatchCount(mirror) > 1 ? $"{name}-{copy.Match}" : name;
    }

    private static bool Takes(RouteRule rule, string? exactMethod) =>
        exactMethod is null || Methods(rule.Json) is not { } own || own.Contains(exactMethod.ToUpperInvariant());

    private static List<string>? Methods(JsonElement rule) =>
        rule.TryGetProperty("match", out var m) && m.TryGetProperty("methods", out var list) ? [.. list.EnumerateArray().Select(v => v.GetString()!)] : null;

    private static void AssertHeaderCopy(ManagedRouteScenario s, Copy copy, RouteRule rule)
    {
        // The canary backend alone, as the source has it, at weight 100.
        var canary = Node(copy.Rule.Backends.Single(b => b.ServiceName == ManagedRouteScenario.Canary).Json);
        canary["weight"] = 100;
        Assert.True(JsonNode.DeepEquals(new JsonArray(canary), Node(rule.Json)["backends"]), $"{copy.Name}: backends {Node(rule.Json)["backends"]}");

        // The rule's own exprs, then the one header condition of this match entry.
        var match = s.HeaderMatches[copy.Match];
        var exprs = Exprs(rule.Json);
        var own = Exprs(copy.Rule.Json);
        Assert.Equal(own.Count + 1, exprs.Count);
        Assert.True(JsonNode.DeepEquals(new JsonArray([.. own.Select(e => e!.DeepClone())]), new JsonArray([.. exprs.Take(own.Count).Select(e => e!.DeepClone())])), $"{copy.Name}: own exprs not kept first");
        AssertCondition(exprs[^1]!, "Header", match.HeaderName, match.Value);

        AssertRestCopied(copy, rule, mirror: false);
    }

    private static void AssertMirrorCopy(ManagedRouteScenario s, Copy copy, RouteRule rule)
    {
        var json = Node(rule.Json);

        // The live split keeps serving: every backend and weight as the source has them.
        Assert.True(JsonNode.DeepEquals(Node(copy.Rule.Json)["backends"], json["backends"]), $"{copy.Name}: backends {json["backends"]}");

        var canary = copy.Rule.Backends.Single(b => b.ServiceName == ManagedRouteScenario.Canary);
        var mirrors = json["plugins"]!.AsArray().Where(p => p!["name"]!.GetValue<string>() == MirrorRouteBuilder.PluginName).ToList();
        var plugin = Assert.Single(mirrors)!;
        Assert.Equal($"http://{ManagedRouteScenario.Canary}.{ManagedRouteScenario.Namespace}.svc.cluster.local:{canary.PortNumber!.Value.ToString(CultureInfo.InvariantCulture)}",
            plugin["config"]!["host"]!.GetValue<string>());
        Assert.Equal((s.Percentage ?? 100) / 100.0, plugin["config"]!["sample_ratio"]!.GetValue<double>());
        Assert.True(plugin["enable"]!.GetValue<bool>());
        var otherPlugins = json["plugins"]!.AsArray().Where(p => p!["name"]!.GetValue<string>() != MirrorRouteBuilder.PluginName).Select(p => p!.DeepClone());
        var sourcePlugins = (Node(copy.Rule.Json)["plugins"]?.AsArray() ?? []).Where(p => p!["name"]!.GetValue<string>() != MirrorRouteBuilder.PluginName).Select(p => p!.DeepClone());
        Assert.True(JsonNode.DeepEquals(new JsonArray([.. sourcePlugins]), new JsonArray([.. otherPlugins])), $"{copy.Name}: the source's other plugins are not kept");

        // An exact method narrows the methods list; the other conditions are exprs after the rule's own.
        var match = s.MirrorMatches[copy.Match];
        var methods = Methods(rule.Json);
        if (match.Method?.Exact is { } exact)
        {
            Assert.Equal(new[] { exact.ToUpperInvariant() }, methods);
        }
        else
        {
            Assert.Equal(Methods(copy.Rule.Json), methods);
        }

        var own = Exprs(copy.Rule.Json);
        var exprs = Exprs(rule.Json);
        var conditions = exprs.Skip(own.Count).ToList();
        Assert.True(JsonNode.DeepEquals(new JsonArray([.. own.Select(e => e!.DeepClone())]), new JsonArray([.. exprs.Take(own.Count).Select(e => e!.DeepClone())])), $"{copy.Name}: own exprs not kept first");
        var wanted = new List<(string Scope, string? Name, Rollouts.StringMatch Value)>();
        if (match.Method is { Exact: null } method)
        {
            wanted.Add(("Variable", "request_method", method));
        }

        if (match.Path is { } path)
        {
            wanted.Add(("Path", null, path));
        }

        wanted.AddRange(match.Headers.Select(h => ("Header", (string?)h.Key, h.Value)));
        Assert.Equal(wanted.Count, conditions.Count);
        foreach (var (condition, (scope, name, value)) in conditions.Zip(wanted))
        {
            AssertCondition(condition!, scope, name, value);
        }

        AssertRestCopied(copy, rule, mirror: true);
    }

    /// <summary>
    /// A condition as APISIX reads it: exact is Equal; regex is the pattern as given; prefix is a
    /// regex that takes the prefix literally, at the start only.
    /// </summary>
    private static void AssertCondition(JsonNode expr, string scope, string? name, Rollouts.StringMatch value)
    {
        Assert.Equal(scope, expr["subject"]!["scope"]!.GetValue<string>());
        Assert.Equal(name, expr["subject"]!["name"]?.GetValue<string>());
        var op = expr["op"]!.GetValue<string>();
        var text = expr["value"]!.GetValue<string>();
        if (value.Exact is { } exact)
        {
            Assert.Equal(("Equal", exact), (op, text));
        }
        else if (value.Regex is { } regex)
        {
            Assert.Equal(("RegexMatch", regex), (op, text));
        }
        else
        {
            var prefix = value.Prefix!;
            Assert.Equal("RegexMatch", op);
            Assert.Matches(text, prefix + "-tail");
            Assert.DoesNotMatch(text, "x" + prefix);
            if (prefix.Contains('.', StringComparison.Ordinal))
            {
                Assert.DoesNotMatch(text, prefix.Replace('.', 'x'));
            }
        }
    }

    /// <summary>
    /// Everything else that decides which requests the rule takes is the source's: hosts, paths,
    /// remoteAddrs, plugins, timeout and the rest. upstreams is dropped: it would send the
    /// copy's requests elsewhere than its backends.
    /// </summary>
    private static void AssertRestCopied(Copy copy, RouteRule rule, bool mirror)
    {
        static JsonObject Rest(JsonElement rule, bool mirror)
        {
            var node = Node(rule);
            foreach (var owned in new[] { "name", "priority", "backends", "upstreams" }.Concat(mirror ? ["plugins"] : []))
            {
                node.Remove(owned);
            }

            if (node["match"] is JsonObject match)
            {
                match.Remove("exprs");
                if (mirror)
                {
                    match.Remove("methods");
                }
            }

            return node;
        }

        Assert.False(rule.Json.TryGetProperty("upstreams", out _), $"{copy.Name}: upstreams copied");
        var source = Rest(copy.Rule.Json, mirror);
        var copied = Rest(rule.Json, mirror);
        Assert.True(JsonNode.DeepEquals(source, copied), $"{copy.Name}: copied {copied.ToJsonString()} from {source.ToJsonString()}");
    }

    private static JsonObject Node(JsonElement element) => JsonNode.Parse(element.GetRawText())!.AsObject();

    private static List<JsonNode?> Exprs(JsonElement rule) =>
        rule.TryGetProperty("match", out var m) && m.TryGetProperty("exprs", out var list) ? [.. JsonNode.Parse(list.GetRawText())!.AsArray()] : [];

    /// <summary>Plans the call over <paramref name="existing"/> and applies what it plans, as the API server would.</summary>
    private static ApisixRouteSnapshot Converged(ManagedRouteCall call, IEnumerable<ApisixRouteSnapshot> routes, ApisixRouteSnapshot? existing) =>
        call.Plan(routes, existing) switch
        {
            ManagedRouteChange.Create c => ApiServer.Create(c.Route),
            ManagedRouteChange.Update u => ApiServer.Patch(existing!, u.Patch),
            ManagedRouteChange.Nothing => existing!,
            var other => throw new InvalidOperationException($"unexpected {other}"),
        };

    /// <summary>The scenario with only the first match entry: a managed route made by an earlier step of the same kind.</summary>
    private static ManagedRouteScenario Narrowed(ManagedRouteScenario s, bool mirror) =>
        mirror ? s with { MirrorMatches = [s.MirrorMatches[0]], Percentage = 37 } : s with { HeaderMatches = [s.HeaderMatches[0]] };

    /// <summary>
    /// The route as someone else's: another Rollout's owner annotation (or none) and its own
    /// ownerReference, so neither of the two ways a route is owned names this Rollout.
    /// </summary>
    private static ApisixRouteSnapshot Foreign(ApisixRouteSnapshot owned, bool keepAnnotations)
    {
        var node = Node(owned.Json);
        var metadata = node["metadata"]!.AsObject();
        if (keepAnnotations)
        {
            metadata["annotations"]![ApisixRouteConventions.OwnerAnnotation] = $"{ManagedRouteScenario.Namespace}/prop-rollout/another-uid";
        }
        else
        {
            metadata.Remove("annotations");
        }

        metadata["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "argoproj.io/v1alpha1",
            ["kind"] = "Rollout",
            ["name"] = "prop-rollout",
            ["uid"] = "another-uid",
            ["controller"] = true,
        });
        return new ApisixRouteSnapshot(JsonText.Parse(node.ToJsonString()));
    }

    /// <summary>
    /// Someone's edit of one rule of one source route (picked by the scenario's Edit): a path
    /// added, an expr added, the priority raised, the hosts replaced, or the canary's port moved.
    /// Each changes what a copy of the rule must be.
    /// </summary>
    private static (List<ApisixRouteSnapshot> Routes, int RouteIndex, string Rule, string What) EditOneRule(ManagedRouteScenario s)
    {
        var routes = s.Routes;
        var routeIndex = s.Edit % routes.Length;
        var rules = routes[routeIndex].Rules();
        var rule = rules[s.Edit / 2 % rules.Length];
        var node = Node(routes[routeIndex].Json);
        var target = node["spec"]!["http"]![rule.Index]!.AsObject();
        var match = target["match"]!.AsObject();
        var kind = s.Edit / 8 % 5;
        string what;
        switch (kind)
        {
            case 0:
                match["paths"]!.AsArray().Add((JsonNode)"/edited/*");
                what = "a path added";
                break;
            case 1:
                var exprs = match["exprs"] as JsonArray ?? [];
                exprs.Add((JsonNode)new JsonObject { ["subject"] = new JsonObject { ["scope"] = "Header", ["name"] = "x-edited" }, ["op"] = "Equal", ["value"] = "1" });
                match["exprs"] = exprs;
                what = "an expr added";
                break;
            case 2:
                target["priority"] = rule.Priority + 3;
                what = "the priority raised";
                break;
            case 3:
                match["hosts"] = new JsonArray("edited.example");
                what = "the hosts replaced";
                break;
            default:
                var canary = target["backends"]!.AsArray().Single(b => b!["serviceName"]!.GetValue<string>() == ManagedRouteScenario.Canary)!;
                canary["servicePort"] = (canary["servicePort"]!.GetValue<int>() % 65535) + 1;
                what = "the canary port moved";
                break;
        }

        var edited = routes.ToList();
        edited[routeIndex] = new ApisixRouteSnapshot(JsonText.Parse(node.ToJsonString()));
        return (edited, routeIndex, rule.Name, what);
    }

    private static void Count(int[] seen, int index, bool condition)
    {
        if (condition)
        {
            Interlocked.Increment(ref seen[index]);
        }
    }
}
