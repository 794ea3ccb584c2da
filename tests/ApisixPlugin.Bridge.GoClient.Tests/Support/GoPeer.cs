namespace ApisixPlugin.Bridge.GoClient.Tests.Support;

/// <summary>
/// The Go peers of tests/goplugin-peer (controller, noopplugin, gobdump), built by its build.sh
/// (see <see cref="PreparedFiles"/>). A missing Go toolchain fails the tests (build.sh says what to install).
/// </summary>
internal sealed class GoPeer
{
    private GoPeer(string directory) => Directory = directory;

    public string Directory { get; }

    public string Controller => Path.Combine(Directory, "controller");

    public string NoopPlugin => Path.Combine(Directory, "noopplugin");

    public string GobDump => Path.Combine(Directory, "gobdump");

    public static async Task<GoPeer> GetAsync()
    {
        var directory = (await PreparedFiles.GetAsync()).PeerDir;
        return Checked(new GoPeer(directory), directory);
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
