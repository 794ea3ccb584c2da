namespace ApisixPlugin.Bridge.Tests.Support;

/// <summary>
/// The published bridge: the single static NativeAOT file the controller runs. Taken from
/// APISIX_BRIDGE_PATH when set; otherwise published once (spec section 8's command, as
/// deploy/publish.sh does) into a cache folder keyed by a hash of the bridge's sources. The publish
/// uses its own artifacts path so it never shares bin/obj with a build running in the work tree.
/// </summary>
internal static class BridgeBinary
{
    public const string PathVariable = "APISIX_BRIDGE_PATH";
    public const string FileName = "apisix-plugin-bridge";

    private static readonly Lazy<Task<string>> Shared = new(PublishAsync);

    public static Task<string> GetAsync() => Shared.Value;

    private static async Task<string> PublishAsync()
    {
        var given = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrEmpty(given))
        {
            return File.Exists(given) ? given : throw new FileNotFoundException($"{PathVariable}={given} does not exist", given);
        }

        var root = RepoPaths.Root;
        var hash = SourceHash.Of(
            [
                Path.Combine(root, "src", "ApisixPlugin.Bridge"), Path.Combine(root, "src", "ApisixPlugin.GoPlugin"), Path.Combine(root, "src", "ApisixPlugin.Contracts"),
                Path.Combine(root, "protos"), Path.Combine(root, "Directory.Build.props"), Path.Combine(root, "Directory.Packages.props"),
            ],
            [".cs", ".csproj", ".proto", ".props"]);
        var target = Path.Combine(RepoPaths.CacheRoot, "bridge", hash);
        var file = Path.Combine(target, FileName);
        if (File.Exists(file))
        {
            return file;
        }

        var staging = target + ".publishing-" + Environment.ProcessId;
        var result = await ProcessRunner.RunAsync("dotnet",
            [
                "publish", Path.Combine(root, "src", "ApisixPlugin.Bridge"), "-c", "Release", "-r", "linux-x64",
                "--artifacts-path", Path.Combine(staging, "artifacts"), "-o", Path.Combine(staging, "out"),
            ],
            TimeSpan.FromMinutes(20),
            environment: new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });
        var published = Path.Combine(staging, "out", FileName);
        if (result.ExitCode != 0 || !File.Exists(published))
        {
            throw new InvalidOperationException($"publishing the bridge failed: {result.Describe()}");
        }
        Directory.CreateDirectory(target);
        File.Move(published, file + ".tmp", overwrite: true);
        File.Move(file + ".tmp", file, overwrite: true);
        Directory.Delete(staging, recursive: true);
        return file;
    }
}
