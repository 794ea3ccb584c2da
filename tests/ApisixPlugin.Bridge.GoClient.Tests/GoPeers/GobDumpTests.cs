using System.Text.Json;
using ApisixPlugin.Bridge.GoClient.Tests.Support;
using ApisixPlugin.Testing.Processes;

namespace ApisixPlugin.Bridge.GoClient.Tests.GoPeers;

/// <summary>
/// gobdump's output is the C# codec tests' input (tests/goplugin-peer/README.md): every listed file
/// exists, and its description's parts tile the bytes exactly, so a consumer can slice by them.
/// </summary>
[Collection(PeerCollection.Name)]
public sealed class GobDumpTests(PeerBinaries peers) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gobdump-").FullName;

    [Fact]
    public async Task Every_listed_dump_has_its_bytes_and_parts_that_tile_them()
    {
        var result = await ProcessRun.RunAsync(peers.Go.GobDump, ["-out", _dir], TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.Describe());

        var names = JsonSerializer.Deserialize<string[]>(await File.ReadAllTextAsync(Path.Combine(_dir, "index.json")))!;
        Assert.Contains("netrpc-client-plugin-session", names);
        Assert.Contains("netrpc-server-plugin-session", names);
        Assert.Contains("gob-deep-10000", names);
        foreach (var name in names)
        {
            using var description = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, name + ".json")));
            var root = description.RootElement;
            var bytes = await File.ReadAllBytesAsync(Path.Combine(_dir, root.GetProperty("file").GetString()!));
            Assert.Equal(root.GetProperty("bytes").GetInt32(), bytes.Length);
            var end = 0;
            foreach (var part in root.GetProperty("parts").EnumerateArray())
            {
                Assert.Equal(end, part.GetProperty("offset").GetInt32());
                end += part.GetProperty("length").GetInt32();
            }
            Assert.True(end == bytes.Length, $"{name}: parts end at {end} of {bytes.Length} bytes");
        }
    }

    [Fact]
    public async Task The_big_request_is_larger_than_the_yamux_window()
    {
        var result = await ProcessRun.RunAsync(peers.Go.GobDump, ["-out", _dir], TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.Describe());

        Assert.True(new FileInfo(Path.Combine(_dir, "netrpc-client-SetWeight-big.bin")).Length > 256 * 1024);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
