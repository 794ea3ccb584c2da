namespace ApisixPlugin.Deploy.Tests.Support;

/// <summary>Paths in the checkout under test, found from the test binary upwards.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Deploy => Path.Combine(Root, "deploy");

    public static string Kustomize(string variant) => Path.Combine(Deploy, "kustomize", variant);

    public static string Example(string file) => Path.Combine(Deploy, "examples", file);

    public static string HelmValues => Path.Combine(Deploy, "helm", "values-argo-rollouts.yaml");

    public static string Dockerfile => Path.Combine(Root, "Dockerfile");

    private static string FindRoot()
    {
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
