namespace ApisixPlugin.Bridge.Tests.Support;

/// <summary>
/// The Go peers of tests/goplugin-peer (controller, noopplugin, gobdump). Taken from
/// GOPLUGIN_PEER_DIR when set; otherwise built once with build.sh into a cache folder keyed by a
/// hash of the Go sources. A missing Go toolchain fails the tests (build.sh says what to install).
/// </summary>
internal sealed class GoPeer
{
    public const string DirVariable = "GOPLUGIN_PEER_DIR";

    private static readonly Lazy<Task<GoPeer>> Shared = new(BuildAsync);

    private GoPeer(string directory) => Directory = directory;

    public string Directory { get; }

    public string Controller => Path.Combine(Directory, "controller");

    public string NoopPlugin => Path.Combine(Directory, "noopplugin");

    public string GobDump => Path.Combine(Directory, "gobdump");

    public static Task<GoPeer> GetAsync() => Shared.Value;

    private static async Task<GoPeer> BuildAsync()
    {
        var given = Environment.GetEnvironmentVariable(DirVariable);
        if (!string.IsNullOrEmpty(given))
        {
            return Checked(new GoPeer(given), $"{DirVariable}={given}");
        }

        var hash = SourceHash.Of(
            [Path.Combine(RepoPaths.GoPeerDir, "src"), Path.Combine(RepoPaths.GoPeerDir, "build.sh")], [".go", ".sh"]);
        var target = Path.Combine(RepoPaths.CacheRoot, "goplugin-peer", hash);
        if (File.Exists(Path.Combine(target, "gobdump")))
        {
            return Checked(new GoPeer(target), target);
        }

        // Build beside the target and rename, so a parallel test run never sees half a folder.
        var staging = target + ".building-" + Environment.ProcessId;
        var result = await ProcessRunner.RunAsync(
            Path.Combine(RepoPaths.GoPeerDir, "build.sh"), [staging], TimeSpan.FromMinutes(10));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"tests/goplugin-peer/build.sh failed: {result.Describe()}");
        }
        try
        {
            System.IO.Directory.Move(staging, target);
        }
        catch (IOException) when (File.Exists(Path.Combine(target, "gobdump")))
        {
            System.IO.Directory.Delete(staging, recursive: true); // another run finished first
        }
        return Checked(new GoPeer(target), target);
    }

    private static GoPeer Checked(GoPeer peer, string origin)
    {
        foreach (var file in new[] { peer.Controller, peer.NoopPlugin, peer.GobDump })
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"Go peer {Path.GetFileName(file)} missing in {origin}", file);
            }
        }
        return peer;
    }
}
