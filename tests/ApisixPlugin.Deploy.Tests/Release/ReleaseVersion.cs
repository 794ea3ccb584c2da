using System.Xml.Linq;
using ApisixPlugin.Deploy.Tests.Support;

namespace ApisixPlugin.Deploy.Tests.Release;

/// <summary>The one version of a release: &lt;VersionPrefix&gt; in Directory.Build.props.</summary>
internal static class ReleaseVersion
{
    public static string Value { get; } = Read();

    private static string Read()
    {
        var props = XDocument.Load(Path.Combine(DeployPaths.Root, "Directory.Build.props"));
        var prefixes = props.Descendants("VersionPrefix").Select(e => e.Value.Trim()).ToList();
        return prefixes is [var only]
            ? only
            : throw new InvalidOperationException($"Directory.Build.props must set <VersionPrefix> once, found {prefixes.Count}");
    }
}
