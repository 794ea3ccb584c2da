using System.Text.RegularExpressions;

namespace ApisixPlugin.Deploy.Tests.Support;

/// <summary>
/// deploy/kustomize/base names the upstream install as a remote resource, which the tests cannot
/// fetch. This copies deploy/kustomize into a temporary folder, with that one URL replaced by the
/// local copy (shared/upstream) of the same file, and everything else as it is in the checkout.
/// </summary>
internal sealed partial class InstallableOverlay : IDisposable
{
    public const string UrlPrefix = "https://raw.githubusercontent.com/argoproj/argo-rollouts/";
    public const string UrlSuffix = "/manifests/install.yaml";

    private readonly TempKustomization _dir = new();

    private InstallableOverlay()
    {
    }

    /// <summary>The copied deploy/kustomize; overlays keep their relative paths.</summary>
    public string Root => Path.Combine(_dir.Path, "kustomize");

    public TempKustomization Work => _dir;

    /// <summary>The Argo Rollouts version base/kustomization.yaml pins (from its one remote resource).</summary>
    public static string PinnedVersion()
    {
        var kustomization = Yaml.LoadFile(Path.Combine(DeployPaths.Kustomize("base"), "kustomization.yaml")).Single();
        var remote = Assert.Single(kustomization["resources"].Strings(), r => r.Contains("://", StringComparison.Ordinal));
        var match = RemoteUrl().Match(remote);
        Assert.True(match.Success, $"base names {remote}, not {UrlPrefix}<tag>{UrlSuffix}");
        return match.Groups["tag"].Value;
    }

    /// <summary>
    /// deploy/kustomize with base's remote install replaced by shared/upstream/argo-rollouts-<paramref name="version"/>/install.yaml
    /// (default: the pinned version itself), and the controller image pinned to that version as base pins its own.
    /// </summary>
    public static InstallableOverlay Prepare(string? version = null)
    {
        var pinned = PinnedVersion();
        version ??= pinned;
        var overlay = new InstallableOverlay();
        Copy(new DirectoryInfo(DeployPaths.Kustomize("")), overlay.Root);
        var local = DeployPaths.Upstream($"argo-rollouts-{version}/install.yaml");
        File.Copy(local, Path.Combine(overlay.Root, "base", "upstream-install.yaml"));
        var kustomization = Path.Combine(overlay.Root, "base", "kustomization.yaml");
        var text = File.ReadAllText(kustomization)
            .Replace($"{UrlPrefix}{pinned}{UrlSuffix}", "upstream-install.yaml", StringComparison.Ordinal)
            .Replace($"newTag: {pinned}", $"newTag: {version}", StringComparison.Ordinal);
        File.WriteAllText(kustomization, text);
        return overlay;
    }

    public string Overlay(string overlay) => Path.Combine(Root, overlay);

    public void Dispose() => _dir.Dispose();

    private static void Copy(DirectoryInfo from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in from.GetFiles())
        {
            file.CopyTo(Path.Combine(to, file.Name));
        }

        foreach (var dir in from.GetDirectories())
        {
            Copy(dir, Path.Combine(to, dir.Name));
        }
    }

    [GeneratedRegex("^" + "https://raw\\.githubusercontent\\.com/argoproj/argo-rollouts/" + "(?<tag>v[0-9]+\\.[0-9]+\\.[0-9]+)" + "/manifests/install\\.yaml$")]
    private static partial Regex RemoteUrl();
}
