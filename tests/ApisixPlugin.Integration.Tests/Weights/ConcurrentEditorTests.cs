using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;

namespace ApisixPlugin.Integration.Tests.Weights;

/// <summary>
/// While the plugin steps weights, another client edits the same ApisixRoute: labels, another
/// rule, and a plugin on the very rule whose backends the plugin writes. Every edit must survive.
/// </summary>
[Collection("sidecar")]
public sealed class ConcurrentEditorTests(SidecarClusterFixture fx)
{
    [Fact]
    public async Task No_concurrent_edit_is_lost_while_weights_change()
    {
        var ns = await fx.PluginNamespaceAsync("concurrent");
        var source = ApisixRoute(Route, "other");
        source["spec"]!["http"]![0]!["backends"]!.AsArray().Add(new JsonObject { ["serviceName"] = "foreign", ["servicePort"] = 80, ["weight"] = 0 });
        await fx.ApisixRoutes.CreateAsync(ns, source);
        var rollout = Rollout(ns);
        const int Edits = 40;

        var stepper = Task.Run(async () =>
        {
            for (var i = 0; i < 60; i++)
            {
                await fx.Sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = i % 101 });
            }
        });
        var editor = Task.Run(async () =>
        {
            for (var i = 0; i < Edits; i++)
            {
                // Another controller or a person: frequent, but not a tight loop.
                await Task.Delay(50);
                // A JSON merge-style edit through JSON patch, as kubectl patch --type=json would do it.
                await fx.ApisixRoutes.JsonPatchAsync(ns, Route, new JsonArray(
                    new JsonObject { ["op"] = "add", ["path"] = $"/metadata/labels", ["value"] = Labels(i) },
                    new JsonObject { ["op"] = "replace", ["path"] = "/spec/http/1/priority", ["value"] = i },
                    new JsonObject { ["op"] = "add", ["path"] = "/spec/http/0/plugins", ["value"] = Plugins(i) },
                    // The same backends list the plugin writes: its guarded patch must fail and be re-planned.
                    new JsonObject { ["op"] = "replace", ["path"] = "/spec/http/0/backends/2/weight", ["value"] = i }));
            }
        });

        await Task.WhenAll(stepper, editor);

        var route = await fx.ApisixRoutes.GetAsync(ns, Route);
        Assert.Equal(Edits - 1, route["metadata"]!["labels"]!.AsObject().Count);
        Assert.Equal(Edits - 1, route["spec"]!["http"]![1]!["priority"]!.GetValue<int>());
        Assert.Equal($"edit-{Edits - 1}", route["spec"]!["http"]![0]!["plugins"]![0]!["config"]!["value"]!.GetValue<string>());
        Assert.Equal(new Dictionary<string, int> { [Stable] = 100 - 59, [Canary] = 59, ["foreign"] = Edits - 1 }, WeightsOf(route));
    }

    private static JsonObject Labels(int upTo)
    {
        var labels = new JsonObject();
        for (var i = 1; i <= upTo; i++)
        {
            labels[$"edit-{i}"] = "yes";
        }

        return labels;
    }

    private static JsonArray Plugins(int i) => new(new JsonObject
    {
        ["name"] = "response-rewrite",
        ["enable"] = true,
        ["config"] = new JsonObject { ["value"] = $"edit-{i}" },
    });
}
