using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Tests.Support;
using ApisixPlugin.Core.Weights;
using CsCheck;

namespace ApisixPlugin.Core.Tests.Properties;

/// <summary>
/// What every SetWeight must guarantee, for any route and any call whose weights fit: checked on
/// the second of two calls, so the route may already carry experiment backends of the first.
/// </summary>
public sealed class SetWeightPropertyTests
{
    private const long Iterations = 400;

    [Fact]
    public void Owned_weights_sum_to_max_and_are_never_negative_or_all_zero()
    {
        ScenarioGen.Scenarios.Sample(s =>
        {
            var (_, call, _, after) = SecondCall(s);
            var split = call.Split();
            foreach (var name in s.ConfiguredRules)
            {
                var rule = after.FindRule(name)!;
                var owned = rule.Backends.Where(b => split.WeightOf(b.ServiceName) is not null).ToList();
                Assert.Equal(2 + s.Second.Additional.Length, owned.Count);
                Assert.All(owned, b => Assert.Equal(split.WeightOf(b.ServiceName), b.Weight));
                Assert.Equal(s.Max, owned.Sum(b => b.Weight!.Value));
                Assert.Equal(s.Second.Desired, rule.Backends.Single(b => b.ServiceName == Scenario.Canary).Weight);
                Assert.All(rule.Backends, b => Assert.True(b.EffectiveWeight >= 0, $"{name}: {b.ServiceName} has weight {b.EffectiveWeight}"));
                Assert.True(rule.Backends.Sum(b => b.EffectiveWeight) > 0, $"{name}: all weights are zero");
                Assert.Equal(rule.Backends.Length, rule.Backends.Select(b => b.ServiceName).Distinct().Count());
            }
        }, iter: Iterations);
    }

    [Fact]
    public void Foreign_backends_and_unconfigured_rules_are_byte_for_byte_untouched()
    {
        ScenarioGen.Scenarios.Sample(s =>
        {
            var (before, _, _, after) = SecondCall(s);
            var rulesBefore = before.Rules();
            var rulesAfter = after.Rules();
            Assert.Equal(rulesBefore.Select(r => r.Name), rulesAfter.Select(r => r.Name));
            foreach (var (old, now) in rulesBefore.Zip(rulesAfter))
            {
                if (!s.ConfiguredRules.Contains(old.Name))
                {
                    Assert.Equal(old.Json.GetRawText(), now.Json.GetRawText());
                    continue;
                }

                Assert.Equal(Foreign(old), Foreign(now));
            }
        }, iter: Iterations);
    }

    [Fact]
    public void Existing_backends_keep_their_order_and_experiments_are_appended()
    {
        ScenarioGen.Scenarios.Sample(s =>
        {
            var (before, call, _, after) = SecondCall(s);
            var wanted = call.Split().Additional.Select(a => a.ServiceName).ToHashSet();
            foreach (var name in s.ConfiguredRules)
            {
                var old = before.FindRule(name)!.Backends.Select(b => b.ServiceName).ToList();
                var now = after.FindRule(name)!.Backends.Select(b => b.ServiceName).ToList();
                var kept = now.Where(old.Contains).ToList();
                Assert.Equal(old.Where(kept.Contains), kept);
                Assert.Equal(kept, now.Take(kept.Count));
                var expected = old.Where(n => !n.StartsWith("exp-", StringComparison.Ordinal)).Concat(wanted).ToHashSet();
                Assert.Equal(expected.Order(), now.Order());
            }
        }, iter: Iterations);
    }

    [Fact]
    public void The_patch_touches_only_configured_backends_and_the_plugins_annotation()
    {
        ScenarioGen.Scenarios.Sample(s =>
        {
            var (before, _, patch, after) = SecondCall(s);
            var configured = s.ConfiguredRules.Select(n => before.FindRule(n)!.Index).ToHashSet();
            var annotation = $"/metadata/annotations/{PatchOperation.Escape(ApisixRouteConventions.AddedBackendsAnnotation)}";
            foreach (var op in patch.Operations)
            {
                var onRule = op.Path.Split('/') is ["", "spec", "http", var i, "name" or "backends"] && configured.Contains(int.Parse(i));
                var guard = op.Op == PatchOp.Test && op.Path == "/metadata/resourceVersion";
                Assert.True(onRule || guard || op.Path == annotation || op.Path == "/metadata/annotations", $"unexpected {op.Op} {op.Path}");
                Assert.True(op.Op != PatchOp.Replace || op.Path.EndsWith("/backends", StringComparison.Ordinal), $"unexpected {op.Op} {op.Path}");
            }

            Assert.Equal(Normalized(before, s), Normalized(after, s));
        }, iter: Iterations);
    }

    [Fact]
    public void A_second_identical_call_writes_nothing_and_verifies()
    {
        ScenarioGen.Scenarios.Sample(s =>
        {
            var (_, call, _, after) = SecondCall(s);

            var again = call.Plan(after);

            Assert.True(again.IsEmpty, $"second call would write {again}");
            var verification = WeightVerifier.Verify(after, call.TargetFor(after), call.Split());
            Assert.True(verification.Verified, verification.Detail);
        }, iter: Iterations);
    }

    [Fact]
    public void A_route_that_carries_another_split_is_not_verified()
    {
        ScenarioGen.Scenarios.Sample(s =>
        {
            var (before, call, _, _) = SecondCall(s);
            var previous = s.Call(s.First);
            if (previous.Split().ToString() == call.Split().ToString())
            {
                Assert.True(WeightVerifier.Verify(before, call.TargetFor(before), call.Split()).Verified);
                return;
            }

            var verification = WeightVerifier.Verify(before, call.TargetFor(before), call.Split());

            Assert.False(verification.Verified, $"{before.Key} carries {previous.Split()} but verified {call.Split()}");
            Assert.Contains(s.ConfiguredRules[0], verification.Detail, StringComparison.Ordinal);
        }, iter: Iterations);
    }

    [Fact]
    public void The_patch_conflicts_when_a_configured_rules_backends_changed_meanwhile()
    {
        ScenarioGen.Scenarios.Sample(s =>
        {
            var (before, _, patch, _) = SecondCall(s);
            var replaced = patch.Operations.Where(o => o.Op == PatchOp.Replace).Select(o => int.Parse(o.Path.Split('/')[3])).ToList();
            if (replaced.Count == 0)
            {
                Assert.True(patch.Operations.All(o => o.Path.StartsWith("/metadata/annotations", StringComparison.Ordinal)));
                return;
            }

            var edited = EditBackends(before, replaced[s.Mutation % replaced.Count], s.Mutation);

            Assert.Throws<JsonPatchConflictException>(() => JsonPatchApplier.Apply(edited, patch.Operations));
        }, iter: Iterations);
    }

    /// <summary>Guards the properties above against passing vacuously: the generator must reach
    /// the states they are about.</summary>
    [Fact]
    public void The_generator_reaches_the_interesting_states()
    {
        var seen = new int[6];
        ScenarioGen.Scenarios.Sample(s =>
        {
            var (before, _, patch, _) = SecondCall(s);
            Count(seen, 0, patch.Operations.Any(o => o.Op == PatchOp.Replace));
            Count(seen, 1, patch.IsEmpty);
            Count(seen, 2, s.First.Additional.Except(s.Second.Additional).Any());
            Count(seen, 3, patch.Operations.Any(o => o.Op == PatchOp.Remove));
            Count(seen, 4, before.Rules().Any(r => r.Backends.Any(b => b.Weight is null)));
            Count(seen, 5, s.ConfiguredRules.Length < before.Rules().Length && Foreign(before.FindRule(s.ConfiguredRules[0])!).Count > 0);
        }, iter: Iterations);

        Assert.All(seen, n => Assert.InRange(n, 5, int.MaxValue));
    }

    private static void Count(int[] seen, int index, bool condition)
    {
        if (condition)
        {
            Interlocked.Increment(ref seen[index]);
        }
    }

    /// <summary>Runs the first call, then plans and applies the second on its result.</summary>
    private static (ApisixRouteSnapshot Before, SetWeightCall Call, RoutePatch Patch, ApisixRouteSnapshot After) SecondCall(Scenario s)
    {
        var (_, before) = s.Call(s.First).Run(s.Route);
        var call = s.Call(s.Second);
        var (patch, after) = call.Run(before);
        return (before, call, patch, after);
    }

    private static List<string> Foreign(RouteRule rule) =>
        [.. rule.Backends.Where(b => b.ServiceName.StartsWith(Scenario.ForeignPrefix, StringComparison.Ordinal)).Select(b => b.Json.GetRawText())];

    /// <summary>The route without what the plugin owns: configured rules' backends and its annotation
    /// (an annotation map left empty counts as none).</summary>
    private static string Normalized(ApisixRouteSnapshot route, Scenario s)
    {
        var node = JsonNode.Parse(route.Json.GetRawText())!;
        foreach (var rule in node["spec"]!["http"]!.AsArray())
        {
            if (s.ConfiguredRules.Contains(rule!["name"]!.GetValue<string>()))
            {
                rule.AsObject().Remove("backends");
            }
        }

        var metadata = node["metadata"]!.AsObject();
        if (metadata["annotations"] is JsonObject annotations)
        {
            annotations.Remove(ApisixRouteConventions.AddedBackendsAnnotation);
            if (annotations.Count == 0)
            {
                metadata.Remove("annotations");
            }
        }

        return node.ToJsonString();
    }

    /// <summary>Someone else's edit of one rule's backends: a new backend, a weight, a removal, a swap.</summary>
    private static JsonElement EditBackends(ApisixRouteSnapshot route, int ruleIndex, int kind)
    {
        var node = JsonNode.Parse(route.Json.GetRawText())!;
        var backends = node["spec"]!["http"]![ruleIndex]!["backends"]!.AsArray();
        switch (kind)
        {
            case 0:
                backends.Add(new JsonObject { ["serviceName"] = "intruder", ["servicePort"] = 80, ["weight"] = 1 });
                break;
            case 1:
                backends[0]!["weight"] = (backends[0]!["weight"]?.GetValue<int>() ?? 100) + 1;
                break;
            case 2:
                backends.RemoveAt(backends.Count - 1);
                break;
            default:
                var last = backends[^1]!.DeepClone();
                backends.RemoveAt(backends.Count - 1);
                backends.Insert(0, last);
                if (backends.Count == 1)
                {
                    backends[0]!["servicePort"] = "edited";
                }

                break;
        }

        return JsonText.Parse(node.ToJsonString());
    }
}
