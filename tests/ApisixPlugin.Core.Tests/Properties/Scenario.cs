using System.Collections.Immutable;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Tests.Support;
using CsCheck;

namespace ApisixPlugin.Core.Tests.Properties;

/// <summary>The weights of one SetWeight call.</summary>
internal sealed record CallArgs(int Desired, ImmutableArray<WeightDestination> Additional)
{
    public override string ToString() =>
        $"w={Desired} [{string.Join(", ", Additional.Select(a => $"{a.ServiceName}={a.Weight}"))}]";
}

/// <summary>
/// A random ApisixRoute and two SetWeight calls on it: the first brings the route into some state
/// (experiment backends, the plugin's annotation), the second is the one under test; one time in
/// five it repeats the first, which must then write nothing.
/// </summary>
internal sealed record Scenario(
    int Max,
    string RouteJson,
    ImmutableArray<string> ConfiguredRules,
    CallArgs First,
    CallArgs Second,
    int Mutation)
{
    public const string RouteName = "prop-route";
    public const string Stable = "svc-stable";
    public const string Canary = "svc-canary";

    /// <summary>Foreign backends are named so; no call ever owns one.</summary>
    public const string ForeignPrefix = "legacy-";

    public ApisixRouteSnapshot Route => ApisixRouteSnapshot.Parse(RouteJson);

    public SetWeightCall Call(CallArgs args)
    {
        var config = new JsonObject
        {
            ["route"] = new JsonObject
            {
                ["name"] = RouteName,
                ["rules"] = new JsonArray([.. ConfiguredRules.Select(r => (JsonNode)r)]),
            },
        };
        var rollout = SetWeightCall.DemoRollout(config.ToJsonString(), Max, canary: Canary, stable: Stable);
        return new SetWeightCall(rollout, args.Desired, args.Additional);
    }

    public override string ToString() =>
        $"max={Max} configured=[{string.Join(",", ConfiguredRules)}] first={First} second={Second} mutation={Mutation}\n{RouteJson}";
}

/// <summary>Generators for <see cref="Scenario"/>: rules with stable, canary and foreign backends
/// in random order, random optional fields (weight absent, named ports, fields of future CRD
/// versions with characters that need escaping), and calls whose weights fit maxTrafficWeight.</summary>
internal static class ScenarioGen
{
    private static readonly string[] ExperimentPool = ["exp-a", "exp-b", "exp-c", "exp-d"];

    private static readonly Gen<string> FutureText =
        Gen.Char["aZ09 <>&'\"\\/\u00e9\u20ac\t"].Array[0, 8].Select(chars => new string(chars));

    /// <summary>A backend's fields other than its serviceName, as compact JSON members.</summary>
    private static readonly Gen<Func<string, JsonObject>> Backend =
        from port in Gen.Int[1, 65535]
        from namedPort in Gen.Int[0, 3]
        from weight in Gen.Int[0, 1000]
        from weightKind in Gen.Int[0, 4]
        from future in FutureText
        from hasFuture in Gen.Bool
        from granularity in Gen.Bool
        select (Func<string, JsonObject>)(service =>
        {
            var backend = new JsonObject { ["serviceName"] = service };
            backend["servicePort"] = namedPort == 0 ? "http" : port;
            if (granularity)
            {
                backend["resolveGranularity"] = "service";
            }

            if (weightKind > 0)
            {
                backend["weight"] = weight;
            }

            if (hasFuture)
            {
                backend["x-future"] = new JsonObject { ["text"] = future, ["n"] = weight / 7.0 };
            }

            return backend;
        });

    private static Gen<JsonObject> Rule(int index) =>
        from foreignCount in Gen.Int[0, 3]
        from order in Gen.Shuffle(new[] { Scenario.Stable, Scenario.Canary }.Concat(Enumerable.Range(0, 3).Select(k => $"{Scenario.ForeignPrefix}{index}-{k}")).ToArray())
        from backends in Backend.Array[5]
        from priority in Gen.Int[0, 10]
        from path in FutureText
        select new JsonObject
        {
            ["name"] = $"rule-{index}",
            ["priority"] = priority,
            ["match"] = new JsonObject { ["paths"] = new JsonArray($"/{index}/*"), ["x-future-match"] = path },
            ["backends"] = new JsonArray([.. order
                .Where(s => !s.StartsWith(Scenario.ForeignPrefix, StringComparison.Ordinal) || int.Parse(s[^1..]) < foreignCount)
                .Select((s, i) => (JsonNode)backends[i](s))]),
        };

    private static Gen<CallArgs> Call(int max) =>
        from desired in Gen.Int[0, max]
        from count in Gen.Int[0, 3]
        from services in Gen.Shuffle(ExperimentPool)
        from raw in Gen.Int[0, max].Array[3]
        select new CallArgs(desired, Fit(services.Take(count).ToArray(), raw, max - desired));

    /// <summary>Scales the raw weights down until they fit what canary leaves of maxTrafficWeight.</summary>
    private static ImmutableArray<WeightDestination> Fit(string[] services, int[] raw, int budget)
    {
        long sum = raw.Take(services.Length).Sum(w => (long)w);
        return [.. services.Select((s, i) => new WeightDestination(s, $"hash-{s}",
            sum <= budget ? raw[i] : (int)(raw[i] * (long)budget / sum)))];
    }

    public static readonly Gen<Scenario> Scenarios =
        from max in Gen.OneOf(Gen.Const(RolloutContext.DefaultMaxTrafficWeight), Gen.Const(1000), Gen.Int[1, 1000])
        from ruleCount in Gen.Int[1, 4]
        from rules in Gen.Int[0, 0].SelectMany(_ => RulesGen(ruleCount))
        from configuredMask in Gen.Int[1, (1 << ruleCount) - 1]
        from configOrder in Gen.Shuffle(Enumerable.Range(0, ruleCount).ToArray())
        from annotations in Gen.Int[0, 2]
        from first in Call(max)
        from second in Call(max)
        from repeat in Gen.Int[0, 4]
        from mutation in Gen.Int[0, 3]
        select new Scenario(
            max,
            RouteDocument(rules, annotations),
            [.. configOrder.Where(i => (configuredMask & (1 << i)) != 0).Select(i => $"rule-{i}")],
            first,
            repeat == 0 ? first : second,
            mutation);

    private static Gen<JsonObject[]> RulesGen(int count) =>
        Enumerable.Range(0, count).Aggregate(
            Gen.Const(Array.Empty<JsonObject>()),
            (acc, i) => acc.SelectMany(list => Rule(i).Select(rule => list.Append(rule).ToArray())));

    /// <summary>0: no annotations; 1: an empty map; 2: someone else's annotations.</summary>
    private static string RouteDocument(JsonObject[] rules, int annotations)
    {
        var metadata = new JsonObject
        {
            ["name"] = Scenario.RouteName,
            ["namespace"] = "default",
            ["uid"] = "00000000-0000-4000-8000-00000000beef",
            ["resourceVersion"] = "42",
            ["generation"] = 7,
            ["labels"] = new JsonObject { ["app.kubernetes.io/part-of"] = "shop" },
        };
        if (annotations > 0)
        {
            metadata["annotations"] = annotations == 1
                ? new JsonObject()
                : new JsonObject { ["example.com/owner"] = "team-shop", ["a~b/c"] = "escaped" };
        }

        var route = new JsonObject
        {
            ["apiVersion"] = ApisixRouteConventions.ApiVersion,
            ["kind"] = ApisixRouteConventions.Kind,
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["ingressClassName"] = "apisix",
                ["x-future-spec"] = new JsonArray(1, "two", null),
                ["http"] = new JsonArray([.. rules.Select(r => (JsonNode)r.DeepClone())]),
            },
        };
        return route.ToJsonString();
    }
}
