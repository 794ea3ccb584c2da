using ApisixPlugin.Protos.V1;
using Grpc.Core;
using static ApisixPlugin.Integration.Tests.ManagedRoutes.ManagedRouteScenario;

namespace ApisixPlugin.Integration.Tests.ManagedRoutes;

/// <summary>A wrong header or mirror step is InvalidArgument naming the field at fault, and nothing is created.</summary>
[Collection("sidecar")]
public sealed class ManagedRouteBadInputTests(SidecarClusterFixture fx)
{
    public static TheoryData<string, string, string> Cases => new()
    {
        // case, which call, expected text in the message
        { "empty header route name", "header:", "managed route name is empty" },
        { "empty mirror route name", "mirror:", "managed route name is empty" },
        { "header value with none of exact, prefix, regex", "header:none", "match[0] headerValue: set one of exact, prefix or regex" },
        { "header value with exact and regex", "header:two", "match[0] headerValue: set only one of exact, prefix or regex, not exact and regex" },
        { "empty header name", "header:noname", "match[0].headerName: the header name is empty" },
        { "header name that is no HTTP token", "header:spacename", "match[0].headerName: 'x trace' is not an HTTP header name" },
        { "header regex that does not parse", "header:badregex", "match[0] headerValue: regex '(unclosed' is not a valid regular expression" },
        { "mirror header regex that does not parse", "mirror:badregex", "match[0].headers[trace]: regex '[a-' is not a valid regular expression" },
        { "mirror header name that is no HTTP token", "mirror:badheader", "match[0].headers: 'x:trace' is not an HTTP header name" },
        { "header route not in managedRoutes", "header:unlisted", "'unlisted': not listed in spec.strategy.canary.trafficRouting.managedRoutes" },
        { "mirror route not in managedRoutes", "mirror:unlisted", "'unlisted': not listed in spec.strategy.canary.trafficRouting.managedRoutes" },
        { "mirror percentage 101", "mirror:101", "percentage 101 is outside 0..100" },
        { "mirror percentage -1", "mirror:-1", "percentage -1 is outside 0..100" },
        { "mirror method that is no HTTP method", "mirror:badmethod", "match[0].method: 'fetch' is not an HTTP method" },
        { "mirror path with two kinds", "mirror:twopaths", "match[0].path: set only one of exact, prefix or regex, not exact and prefix" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_step_is_InvalidArgument_naming_the_field_and_creates_nothing(string name, string call, string expected)
    {
        var ns = await fx.PluginNamespaceAsync("managed-bad");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, HeaderRoute, MirrorRoute);
        var before = await fx.SnapshotAsync(ns);

        var error = await Assert.ThrowsAsync<RpcException>(() => Call(rollout, call));

        Assert.True(StatusCode.InvalidArgument == error.StatusCode, $"{name}: {error.StatusCode} {error.Status.Detail}");
        Assert.Contains(expected, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await fx.SnapshotAsync(ns));
    }

    private Task Call(Rollout rollout, string call)
    {
        var client = fx.Sidecar.Client;
        var (kind, what) = (call.Split(':')[0], call.Split(':')[1]);
        if (kind == "header")
        {
            var request = what switch
            {
                "" => Header(rollout, "", ("trace", Exact("debug"))),
                "none" => Header(rollout, HeaderRoute, ("trace", new StringMatch())),
                "two" => Header(rollout, HeaderRoute, ("trace", new StringMatch { Exact = "debug", Regex = "^d" })),
                "noname" => Header(rollout, HeaderRoute, ("", Exact("debug"))),
                "spacename" => Header(rollout, HeaderRoute, ("x trace", Exact("debug"))),
                "badregex" => Header(rollout, HeaderRoute, ("trace", Regex("(unclosed"))),
                _ => Header(rollout, what, ("trace", Exact("debug"))),
            };
            return client.SetHeaderRouteAsync(request).ResponseAsync;
        }

        var path = new RouteMatch { Path = Prefix("/api") };
        var mirror = what switch
        {
            "" => Mirror(rollout, "", 50, path),
            "unlisted" => Mirror(rollout, "unlisted", 50, path),
            "badmethod" => Mirror(rollout, MirrorRoute, 50, new RouteMatch { Method = Exact("fetch") }),
            "twopaths" => Mirror(rollout, MirrorRoute, 50, new RouteMatch { Path = new StringMatch { Exact = "/a", Prefix = "/a" } }),
            "badregex" => Mirror(rollout, MirrorRoute, 50, new RouteMatch { Headers = { ["trace"] = Regex("[a-") } }),
            "badheader" => Mirror(rollout, MirrorRoute, 50, new RouteMatch { Headers = { ["x:trace"] = Exact("1") } }),
            _ => Mirror(rollout, MirrorRoute, int.Parse(what, System.Globalization.CultureInfo.InvariantCulture), path),
        };
        return client.SetMirrorRouteAsync(mirror).ResponseAsync;
    }
}
