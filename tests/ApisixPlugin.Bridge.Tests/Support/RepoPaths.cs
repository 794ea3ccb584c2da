namespace ApisixPlugin.Bridge.Tests.Support;

/// <summary>Where the repository and the shared caches are, independent of the test's working directory.</summary>
internal static class RepoPaths
{
    /// <summary>Caches survive between runs (the bridge's NativeAOT publish takes minutes).</summary>
    public const string CacheRoot = "/var/cache/apisixplugin";

    public static string Root { get; } = FindRoot();

    public static string GoPeerDir => Path.Combine(Root, "tests", "goplugin-peer");

    private static string FindRoot()
    {
        var built = typeof(RepoPaths).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepoRoot")?.Value;
        if (built is not null && File.Exists(Path.Combine(built, "ApisixPlugin.sln")))
        {
            return Path.TrimEndingDirectorySeparator(built);
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ApisixPlugin.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"ApisixPlugin.sln not found above {AppContext.BaseDirectory}");
    }
}
