namespace ApisixPlugin.Testing.Crds;

/// <summary>Which real ApisixRoute CRD the test cluster gets: both serve apisix.apache.org/v2.</summary>
public enum ApisixCrdRelease
{
    /// <summary>APISIX ingress controller 2.x (env APISIX_CRD=v2, the default).</summary>
    Controller2x,

    /// <summary>The last 1.x release, ingress controller 1.8.4 (env APISIX_CRD=v1.8.4).</summary>
    Controller1x,
}

/// <summary>
/// The ApisixRoute CRD file chosen by env APISIX_CRD, read from the team's shared folder
/// (&lt;repo root&gt;/../shared, or env APISIX_SHARED_DIR); the CRDs are never copied into the repo.
/// </summary>
public sealed record ApisixCrd(ApisixCrdRelease Release, string YamlPath)
{
    public const string Group = "apisix.apache.org";
    public const string Version = "v2";
    public const string Plural = "apisixroutes";
    public const string Kind = "ApisixRoute";
    public const string ApiVersion = Group + "/" + Version;

    public static ApisixCrd FromEnvironment()
    {
        var choice = Environment.GetEnvironmentVariable("APISIX_CRD");
        var release = choice switch
        {
            null or "" or "v2" => ApisixCrdRelease.Controller2x,
            "v1.8.4" => ApisixCrdRelease.Controller1x,
            _ => throw new InvalidOperationException($"APISIX_CRD='{choice}' is not one of: v2, v1.8.4"),
        };
        return For(release);
    }

    public static ApisixCrd For(ApisixCrdRelease release)
    {
        var crds = Path.Combine(SharedDir(), "crds");
        var path = release switch
        {
            ApisixCrdRelease.Controller2x => Path.Combine(crds, "apisix.apache.org_apisixroutes.yaml"),
            _ => Path.Combine(crds, "v1.8.4", "ApisixRoute.yaml"),
        };
        return File.Exists(path)
            ? new ApisixCrd(release, path)
            : throw new FileNotFoundException($"ApisixRoute CRD for {release} not found at {path} (set APISIX_SHARED_DIR to the shared folder)", path);
    }

    /// <summary>env APISIX_SHARED_DIR, else "shared" next to the repository root (<see cref="RepoPaths.Shared"/>).</summary>
    public static string SharedDir() => RepoPaths.Shared;
}
