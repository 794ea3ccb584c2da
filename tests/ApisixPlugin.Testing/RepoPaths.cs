namespace ApisixPlugin.Testing;

/// <summary>
/// Where the checkout under test, the team's shared folder and the build caches are, for every
/// suite; independent of the test's working directory and of where the binaries were built.
/// </summary>
public static class RepoPaths
{
    /// <summary>The folder holding ApisixPlugin.sln: recorded when this assembly was built, else found from the test binary upwards.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>env APISIX_SHARED_DIR, else <c>shared</c> next to the checkout (CRDs, upstream installs).</summary>
    public static string Shared =>
        Environment.GetEnvironmentVariable("APISIX_SHARED_DIR") is { Length: > 0 } fromEnv
            ? Path.GetFullPath(fromEnv)
            : Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    /// <summary>Unmodified upstream files kept as test data (shared/upstream, see its SOURCE.md); read, never copied into the repository.</summary>
    public static string Upstream(string relative) => Path.Combine(Shared, "upstream", relative);

    /// <summary>env APISIXPLUGIN_CACHE, else /var/cache/apisixplugin: builds that outlive the checkout (kube-apiserver, Go peers, NativeAOT files).</summary>
    public static string CacheRoot =>
        Environment.GetEnvironmentVariable("APISIXPLUGIN_CACHE") is { Length: > 0 } fromEnv ? fromEnv : "/var/cache/apisixplugin";

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

        throw new DirectoryNotFoundException($"no ApisixPlugin.sln above {AppContext.BaseDirectory}");
    }
}
