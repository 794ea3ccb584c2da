using System.Text.Json.Nodes;
using ApisixPlugin.Deploy.Tests.Support;
using ApisixPlugin.Testing;

namespace ApisixPlugin.Deploy.Tests.Cluster;

/// <summary>
/// deploy/examples applied with kubectl as the guide says, to the real ApisixRoute CRD (the one
/// APISIX_CRD selects). The Rollout CRD is not installed on the test server: rollout.yaml is
/// checked by parsing it (Rendering/ExampleTests).
/// </summary>
[Collection(DeployKubeCollection.Name)]
public sealed class ExampleApplyTests(KubeClusterFixture cluster)
{
    [Theory]
    [InlineData("apisixroute.yaml")]
    [InlineData("services.yaml")]
    public async Task The_example_passes_server_side_dry_run_and_applies(string file)
    {
        var ns = await cluster.CreateNamespaceAsync("examples");

        foreach (var dryRun in new[] { "server", "none" })
        {
            var result = await Kubectl.RunAsync(
                ["--kubeconfig", cluster.KubeconfigFor("admin"), "apply", "-n", ns, $"--dry-run={dryRun}", "--validate=strict", "-f", DeployPaths.Example(file)]);
            result.EnsureSuccess();
        }

        foreach (var expected in Yaml.LoadFile(DeployPaths.Example(file)))
        {
            var kind = expected.Str("kind")!;
            var live = await new ClusterApply(cluster, ns).GetAsync(kind == "ApisixRoute" ? "apisixroutes.apisix.apache.org" : kind, expected.Path("metadata", "name")!.GetValue<string>());
            // The CRD's schema kept every field of the spec (nothing pruned as unknown).
            Assert.True(ContainsAll(live["spec"]!, expected["spec"]!), $"{kind} {expected.Path("metadata", "name")}: live spec lost fields\n{live["spec"]}");
        }
    }

    [Fact]
    public async Task A_route_without_its_rule_fails_validation_so_the_dry_run_is_not_vacuous()
    {
        var ns = await cluster.CreateNamespaceAsync("examples-bad");
        var route = Yaml.LoadFile(DeployPaths.Example("apisixroute.yaml")).Single();
        route["spec"]!["http"]![0]!.AsObject().Remove("name");

        var result = await Kubectl.RunAsync(
            ["--kubeconfig", cluster.KubeconfigFor("admin"), "apply", "-n", ns, "--dry-run=server", "--validate=false", "-f", "-"], route.ToJsonString());

        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.StdErr.Contains("spec.http.name: Required value", StringComparison.Ordinal), result.StdErr);
    }

    private static bool ContainsAll(JsonNode live, JsonNode expected) => expected switch
    {
        JsonObject o => live is JsonObject l && o.All(p => l[p.Key] is { } v && ContainsAll(v, p.Value!)),
        JsonArray a => live is JsonArray l && a.Count == l.Count && a.Select((item, i) => ContainsAll(l[i]!, item!)).All(x => x),
        _ => JsonNode.DeepEquals(live, expected),
    };
}
