using ApisixPlugin.Deploy.Tests.Support;

namespace ApisixPlugin.Deploy.Tests.Release;

/// <summary>The licence the image's label names is the one the repository carries.</summary>
public sealed class LicenseTests
{
    [Fact]
    public void LICENSE_is_the_Apache_License_2_0_with_the_projects_copyright()
    {
        var text = File.ReadAllText(Path.Combine(DeployPaths.Root, "LICENSE"));

        Assert.StartsWith("                                 Apache License\n                           Version 2.0, January 2004\n", text, StringComparison.Ordinal);
        Assert.Contains("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION", text, StringComparison.Ordinal);
        Assert.Contains("END OF TERMS AND CONDITIONS", text, StringComparison.Ordinal);
        Assert.Contains("Copyright 2026 ApisixPlugin authors", text, StringComparison.Ordinal);
    }
}
