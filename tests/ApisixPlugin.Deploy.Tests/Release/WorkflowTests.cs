using System.Text.Json.Nodes;
using ApisixPlugin.Deploy.Tests.Support;

namespace ApisixPlugin.Deploy.Tests.Release;

/// <summary>
/// GitHub runs the workflows, not this suite: what can be held here is that they say what the
/// README promises of a release (a tag of the one version, both platforms, the image deploy/
/// names, the bridge files with their sha256 sums) and that CI runs the suite as .ci/run does.
/// </summary>
public sealed class WorkflowTests
{
    private static readonly string Workflows = Path.Combine(DeployPaths.Root, ".github", "workflows");

    private static JsonObject Load(string file) => Yaml.ParseSingle(File.ReadAllText(Path.Combine(Workflows, file)));

    private static IEnumerable<string> Runs(JsonObject job) =>
        job["steps"]!.AsArray().OfType<JsonObject>().Select(s => s["run"]?.GetValue<string>()).OfType<string>();

    [Fact]
    public void A_release_starts_from_a_tag_that_must_name_the_version()
    {
        var release = Load("release.yml");

        Assert.Equal(["v*"], release["on"]!["push"]!["tags"].Strings());
        Assert.Contains(Runs(release["jobs"]!["version"]!.AsObject()), r => r.Contains("bash deploy/version.sh \"$GITHUB_REF_NAME\"", StringComparison.Ordinal));
    }

    [Fact]
    public void The_release_image_is_the_one_deploy_names_built_for_amd64_and_arm64_with_its_labels()
    {
        var release = Load("release.yml");
        var image = release["jobs"]!["image"]!.AsObject();

        Assert.Equal(DeployNames.Image, release["env"]!["IMAGE"]!.GetValue<string>());
        var arches = image["strategy"]!["matrix"]!["include"]!.AsArray().Select(m => m!["arch"]!.GetValue<string>());
        Assert.Equal(["amd64", "arm64"], arches);
        var build = image["steps"]!.AsArray().OfType<JsonObject>().Single(s => s["uses"]?.GetValue<string>().StartsWith("docker/build-push-action", StringComparison.Ordinal) == true);
        var args = build["with"]!["build-args"]!.GetValue<string>();
        Assert.Contains("VERSION=${{ needs.version.outputs.version }}", args, StringComparison.Ordinal);
        Assert.Contains("REVISION=${{ github.sha }}", args, StringComparison.Ordinal);
        Assert.Equal("linux/${{ matrix.arch }}", build["with"]!["platforms"]!.GetValue<string>());
    }

    [Fact]
    public void The_release_attaches_both_bridge_files_from_the_images_with_their_sha256_sums()
    {
        var release = Load("release.yml");
        var image = string.Join('\n', Runs(release["jobs"]!["image"]!.AsObject()));
        var publish = string.Join('\n', Runs(release["jobs"]!["publish"]!.AsObject()));

        Assert.Contains($"docker cp \"$id:{DeployNames.BridgeInImage}\"", image, StringComparison.Ordinal);
        Assert.Contains("sha256sum \"apisix-plugin-bridge-linux-${{ matrix.arch }}\"", image, StringComparison.Ordinal);
        Assert.Contains("gh release create", publish, StringComparison.Ordinal);
        Assert.Contains("apisix-plugin-bridge-linux-amd64 apisix-plugin-bridge-linux-arm64 ./*.sha256 SHA256SUMS", publish, StringComparison.Ordinal);
    }

    [Fact]
    public void Ci_runs_the_suite_the_way_the_teams_ci_does()
    {
        var ci = Load("ci.yml");

        Assert.Contains("bash .ci/run", Runs(ci["jobs"]!["test"]!.AsObject()));
    }
}
