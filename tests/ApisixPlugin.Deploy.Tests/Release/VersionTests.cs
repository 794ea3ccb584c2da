using System.Text.RegularExpressions;
using ApisixPlugin.Deploy.Tests.Support;
using ApisixPlugin.Testing.Processes;

namespace ApisixPlugin.Deploy.Tests.Release;

/// <summary>
/// One version, set in Directory.Build.props: the image tag every install names, the image's
/// labels, and what the release workflow accepts as a tag all follow it. (The programs'
/// <c>--version</c> is proven where they run: the Bridge, Integration and arm64 tests.)
/// </summary>
public sealed partial class VersionTests
{
    private static readonly string Version = ReleaseVersion.Value;

    [Fact]
    public void The_version_is_three_numbers()
    {
        Assert.Matches(@"^[0-9]+\.[0-9]+\.[0-9]+$", Version);
    }

    [Fact]
    public async Task The_kustomize_install_runs_the_image_of_this_version()
    {
        var install = await RenderedInstall.RenderAsync(RenderedInstall.Variants.Native);

        foreach (var name in DeployNames.AddedContainers)
        {
            Assert.Equal($"{DeployNames.Image}:{Version}", install.Container(name)["image"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Every_image_reference_in_deploy_and_the_readmes_names_this_version()
    {
        var files = Directory.EnumerateFiles(DeployPaths.Deploy, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".md", StringComparison.Ordinal))
            .Append(Path.Combine(DeployPaths.Root, "README.md"));
        var references = files
            .SelectMany(f => ImageReference().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetRelativePath(DeployPaths.Root, f), Tag: m.Groups["tag"].Value)))
            .ToList();

        // The Helm values name the image with its tag; kustomize's newTag is checked rendered, above.
        Assert.Contains(references, r => r.File == Path.Combine("deploy", "helm", "values-argo-rollouts.yaml"));
        Assert.All(references, r => Assert.True(r.Tag == Version, $"{r.File} names {DeployNames.Image}:{r.Tag}, not {Version}"));
    }

    [Fact]
    public void The_image_is_labelled_with_this_version()
    {
        var dockerfile = Dockerfile.Load(DeployPaths.Dockerfile);

        // The default serves a local `docker build`; the release workflow passes the same value.
        Assert.Contains($"VERSION={Version}", dockerfile.Global.Where(i => i.Keyword == "ARG").Select(i => i.Args));
        Assert.Contains("VERSION", dockerfile.Final.All("ARG"));
        var labels = string.Join(' ', dockerfile.Final.All("LABEL"));
        Assert.Contains("org.opencontainers.image.version=\"${VERSION}\"", labels, StringComparison.Ordinal);
        Assert.Contains("org.opencontainers.image.revision=\"${REVISION}\"", labels, StringComparison.Ordinal);
        Assert.Contains("org.opencontainers.image.licenses=\"Apache-2.0\"", labels, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_version_script_prints_the_version_and_accepts_only_its_tag()
    {
        var script = Path.Combine(DeployPaths.Deploy, "version.sh");

        var plain = await ProcessRun.RunAsync("bash", [script]);
        var tagged = await ProcessRun.RunAsync("bash", [script, $"v{Version}"]);
        var other = await ProcessRun.RunAsync("bash", [script, "v9.9.9"]);

        Assert.Equal(Version, plain.EnsureSuccess().StdOut.Trim());
        Assert.Equal(Version, tagged.EnsureSuccess().StdOut.Trim());
        Assert.Equal(1, other.ExitCode);
        Assert.Contains($"tag 'v9.9.9' does not name the version in Directory.Build.props ({Version})", other.StdErr, StringComparison.Ordinal);
        Assert.Equal("", other.StdOut);
    }

    [GeneratedRegex(@"ghcr\.io/apisixplugin/apisix-plugin:(?<tag>[A-Za-z0-9][A-Za-z0-9._-]*)")]
    private static partial Regex ImageReference();
}
