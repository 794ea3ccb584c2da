using System.Text.RegularExpressions;
using ApisixPlugin.Bridge.GoClient.Tests.Support;
using ApisixPlugin.GoPlugin.Testing;
using ApisixPlugin.Testing.Processes;

namespace ApisixPlugin.Bridge.GoClient.Tests.Protocol;

/// <summary>
/// The controller image is distroless/static: no libc, no shell, no /etc. The published file must
/// start in a root holding only itself plus the /dev, /proc and /sys a container runtime mounts.
/// </summary>
[Collection(PeerCollection.Name)]
public sealed partial class ChrootTests(PeerBinaries peers)
{
    [GeneratedRegex(@"^1\|1\|(unix|tcp)\|([^|]+)\|netrpc(\|)?$")]
    private static partial Regex HandshakeLine();

    [Fact]
    public async Task The_published_file_alone_in_an_empty_root_prints_its_handshake_line()
    {
        var root = Directory.CreateTempSubdirectory("bridge-chroot-").FullName;
        var mounted = new List<string>();
        try
        {
            File.Copy(peers.Bridge, Path.Combine(root, "apisix-plugin-bridge"));
            File.SetUnixFileMode(Path.Combine(root, "apisix-plugin-bridge"), (UnixFileMode)0b111_101_101);
            foreach (var (dir, mountArgs) in new[]
            {
                ("dev", new[] { "--bind", "/dev" }),
                ("proc", new[] { "-t", "proc", "proc" }),
                ("sys", new[] { "--bind", "/sys" }),
            })
            {
                var target = Path.Combine(root, dir);
                Directory.CreateDirectory(target);
                var mount = await ProcessRun.RunAsync("mount", [.. mountArgs, target], TimeSpan.FromSeconds(10));
                Assert.True(mount.ExitCode == 0, $"mount {dir}: {mount.Describe()}");
                mounted.Add(target);
            }
            Assert.Equal(["apisix-plugin-bridge", "dev", "proc", "sys"], Directory.EnumerateFileSystemEntries(root).Select(Path.GetFileName).Order());

            await using var bridge = BridgeProcess.Start("chroot", [root, "/apisix-plugin-bridge", "--noop"]);
            var line = await bridge.ReadFirstLineAsync(TimeSpan.FromSeconds(10));

            var match = HandshakeLine().Match(line);
            Assert.True(match.Success, $"not a handshake line: '{line}'; stderr:\n{bridge.Stderr}");
            if (match.Groups[1].Value == "unix")
            {
                // The path is inside the chroot; from outside it lies under the root.
                var outside = Path.Combine(root, match.Groups[2].Value.TrimStart('/'));
                Assert.True(File.Exists(outside), $"socket {outside} does not exist");
            }
            Assert.False(bridge.HasExited, $"the bridge exited after its handshake; stderr:\n{bridge.Stderr}");
        }
        finally
        {
            foreach (var target in Enumerable.Reverse(mounted))
            {
                var umount = await ProcessRun.RunAsync("umount", [target], TimeSpan.FromSeconds(10));
                if (umount.ExitCode != 0)
                {
                    await ProcessRun.RunAsync("umount", ["-l", target], TimeSpan.FromSeconds(10));
                }
            }
            // Only delete once nothing is mounted, or the host's /dev would be emptied through the bind.
            if (!File.ReadAllText("/proc/self/mounts").Contains(root, StringComparison.Ordinal))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }
}
