namespace ApisixPlugin.Deploy.Tests.Support;

/// <summary>Paths in the checkout under test (the checkout <see cref="Testing.RepoPaths"/> finds).</summary>
internal static class DeployPaths
{
    public static string Root => Testing.RepoPaths.Root;

    public static string Deploy => Path.Combine(Root, "deploy");

    public static string Kustomize(string variant) => Path.Combine(Deploy, "kustomize", variant);

    public static string Monitoring(string file) => Path.Combine(Deploy, "monitoring", file);

    /// <summary>Unmodified upstream files kept as test data (shared/upstream, see its SOURCE.md); read, never copied into the repository.</summary>
    public static string Upstream(string relative) => Testing.RepoPaths.Upstream(relative);

    public static string Example(string file) => Path.Combine(Deploy, "examples", file);

    public static string HelmValues => Path.Combine(Deploy, "helm", "values-argo-rollouts.yaml");

    public static string Dockerfile => Path.Combine(Root, "Dockerfile");
}
