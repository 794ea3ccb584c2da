using ApisixPlugin.Core.GitOps;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Routing.Tests.Support;
using static ApisixPlugin.Routing.Tests.Support.RouterOnMemory;

namespace ApisixPlugin.Routing.Tests;

/// <summary>The in-progress label: on while the canary has weight or managed routes exist, off after, in the weights' own patch.</summary>
public sealed class InProgressLabelTests
{
    private const string Web = """{"route":{"name":"web"}}""";
    private const string Key = InProgressLabel.DefaultKey;
    private static readonly HeaderRouteStep Header = new("set-header", [new("trace", new("debug"))]);

    [Fact]
    public async Task A_changing_SetWeight_labels_the_route_in_the_same_single_patch_and_keeps_the_other_labels()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web", labels: "\"app\": \"web\", \"argocd.argoproj.io/instance\": \"shop\"");

        await router.SetWeight.RunAsync(Rollout(Web), 20, [], CancellationToken.None);

        Assert.Equal(1, router.Faults.Patches);
        var labels = router.Route("web").Labels();
        Assert.Equal("shop", labels[Key]);
        Assert.Equal("web", labels["app"]);
        Assert.Equal("shop", labels["argocd.argoproj.io/instance"]);
    }

    [Fact]
    public async Task A_route_without_any_labels_gets_the_label()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web");

        await router.SetWeight.RunAsync(Rollout(Web), 20, [], CancellationToken.None);

        Assert.Equal("shop", router.Route("web").Label(Key));
    }

    [Fact]
    public async Task The_label_stays_while_managed_routes_exist_at_weight_0_and_goes_with_the_SetWeight_after_RemoveManagedRoutes()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web");
        var rollout = Rollout(Web, "set-header");
        await router.SetHeaderRoute.RunAsync(rollout, Header, CancellationToken.None);

        await router.SetWeight.RunAsync(rollout, 0, [], CancellationToken.None);
        var duringHeaderStep = router.Route("web").Label(Key);
        await router.RemoveManagedRoutes.RunAsync(rollout, CancellationToken.None);
        var patchesBefore = router.Faults.Patches;
        await router.SetWeight.RunAsync(rollout, 0, [], CancellationToken.None);

        Assert.Equal("shop", duringHeaderStep);
        Assert.Null(router.Route("web").Label(Key));
        Assert.Equal(patchesBefore + 1, router.Faults.Patches);
    }

    [Fact]
    public async Task Back_at_weight_0_the_label_is_removed_and_a_steady_SetWeight_0_then_writes_nothing()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web", labels: "\"app\": \"web\"");
        var rollout = Rollout(Web);
        await router.SetWeight.RunAsync(rollout, 60, [], CancellationToken.None);

        await router.SetWeight.RunAsync(rollout, 0, [], CancellationToken.None);
        var patches = router.Faults.Patches;
        var again = await router.SetWeight.RunAsync(rollout, 0, [], CancellationToken.None);

        Assert.Null(router.Route("web").Label(Key));
        Assert.Equal("web", router.Route("web").Label("app"));
        Assert.Equal(0, again);
        Assert.Equal(patches, router.Faults.Patches);
    }

    [Fact]
    public async Task Another_Rollouts_label_on_a_shared_route_is_neither_overwritten_nor_removed()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web", labels: $"\"{Key}\": \"checkout\"");
        var rollout = Rollout(Web);

        await router.SetWeight.RunAsync(rollout, 30, [], CancellationToken.None);
        var during = router.Route("web").Label(Key);
        await router.SetWeight.RunAsync(rollout, 0, [], CancellationToken.None);

        Assert.Equal("checkout", during);
        Assert.Equal("checkout", router.Route("web").Label(Key));
    }

    [Fact]
    public async Task A_label_added_by_someone_else_between_the_read_and_the_write_is_kept()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web");
        var edited = false;
        router.Faults.AfterRead = (ns, name) =>
        {
            if (!edited && name == "web")
            {
                edited = true;
                router.Memory.PatchAsync(new Core.Patching.RoutePatch(ns, name,
                    [Core.Patching.PatchOperation.Add("/metadata/labels", Core.Json.JsonElements.ToElement(new System.Text.Json.Nodes.JsonObject { ["team"] = "shop" }))]),
                    CancellationToken.None).GetAwaiter().GetResult();
            }
        };

        await router.SetWeight.RunAsync(Rollout(Web), 20, [], CancellationToken.None);

        var labels = router.Route("web").Labels();
        Assert.Equal("shop", labels["team"]);
        Assert.Equal("shop", labels[Key]);
        Assert.Equal(20, router.CanaryWeight("web"));
    }

    [Fact]
    public async Task Turned_off_no_label_is_written()
    {
        using var router = new RouterOnMemory(inProgressLabel: InProgressLabel.Off);
        router.SeedRoute("web");

        await router.SetWeight.RunAsync(Rollout(Web), 20, [], CancellationToken.None);

        Assert.Empty(router.Route("web").Labels());
    }

    [Fact]
    public async Task Another_key_is_used_when_the_operator_sets_one()
    {
        using var router = new RouterOnMemory(inProgressLabel: new InProgressLabel("example.com/canary"));
        router.SeedRoute("web");

        await router.SetWeight.RunAsync(Rollout(Web), 20, [], CancellationToken.None);

        Assert.Equal("shop", router.Route("web").Label("example.com/canary"));
        Assert.Null(router.Route("web").Label(Key));
    }
}
