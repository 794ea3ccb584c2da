using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using ApisixPlugin.Testing.Arm64;
using ApisixPlugin.Testing.Processes;

namespace ApisixPlugin.Deploy.Tests.Release;

/// <summary>
/// The linux-arm64 files, cross-published here with the image's script (deploy/publish.sh --arch
/// arm64): their ELF headers, and the bridge run under qemu-aarch64-static as the controller runs
/// it. (The sidecar would need the arm64 OpenSSL to run here; on arm64 the runtime-deps image has
/// it.) The real go-plugin client's handshake with the arm64 bridge is in the Bridge.GoClient suite.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class Arm64Tests
{
    private const string Cookie = "ARGO_ROLLOUTS_RPC_PLUGIN";

    [Fact]
    public async Task The_arm64_bridge_is_one_static_aarch64_executable()
    {
        var (bridge, _) = await Arm64Files.GetAsync();
        var elf = ElfFile.Read(bridge);

        Assert.Equal(ElfFile.MachineAarch64, elf.Machine);
        // No program interpreter: the controller's distroless image has no dynamic loader.
        Assert.Null(elf.Interpreter);
        Assert.Equal(UnixFileMode.UserExecute, File.GetUnixFileMode(bridge) & UnixFileMode.UserExecute);
    }

    [Fact]
    public async Task The_arm64_sidecar_is_an_aarch64_executable_for_glibcs_arm64_loader()
    {
        var (_, sidecar) = await Arm64Files.GetAsync();
        var elf = ElfFile.Read(sidecar);

        Assert.Equal(ElfFile.MachineAarch64, elf.Machine);
        // The loader the runtime-deps image for linux/arm64 has.
        Assert.Equal("/lib/ld-linux-aarch64.so.1", elf.Interpreter);
        Assert.Equal(UnixFileMode.UserExecute, File.GetUnixFileMode(sidecar) & UnixFileMode.UserExecute);
    }

    [Fact]
    public async Task The_arm64_bridge_reports_the_release_version()
    {
        var (bridge, _) = await Arm64Files.GetAsync();

        var run = await ProcessRun.RunAsync(Qemu.Aarch64, [bridge, "--version"], TimeSpan.FromMinutes(1));

        Assert.Equal(ReleaseVersion.Value, run.EnsureSuccess().StdOut.Trim());
    }

    [Fact]
    public async Task Without_the_cookie_the_arm64_bridge_says_it_is_a_plugin_and_exits_1()
    {
        var (bridge, _) = await Arm64Files.GetAsync();

        var run = await ProcessRun.RunAsync(Qemu.Aarch64, [bridge, "--noop"], TimeSpan.FromMinutes(1), environment: new Dictionary<string, string> { [Cookie] = "" });

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("This binary is a plugin.", run.StdErr, StringComparison.Ordinal);
        Assert.Equal("", run.StdOut);
    }

    [Fact]
    public async Task With_the_cookie_the_arm64_bridge_prints_the_handshake_line_listens_and_ends_cleanly_on_SIGTERM()
    {
        var (bridge, _) = await Arm64Files.GetAsync();
        var start = new ProcessStartInfo(Qemu.Aarch64)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { bridge, "--noop" },
        };
        start.Environment[Cookie] = "trafficrouter";
        start.Environment["PLUGIN_PROTOCOL_VERSIONS"] = "1";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));

            var match = HandshakeLine().Match(line ?? "");
            Assert.True(match.Success, $"not a go-plugin netrpc handshake line: '{line}'");
            var socket = match.Groups["socket"].Value;
            Assert.True(File.Exists(socket), $"socket {socket} does not exist");

            // A container stop: the bridge ends with 0 and removes its socket.
            Assert.Equal(0, Kill(process.Id, 15));
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, process.ExitCode);
            Assert.False(File.Exists(socket), $"socket {socket} was left behind");
            Assert.Equal("", await process.StandardOutput.ReadToEndAsync());
            var logged = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains(logged, l => JsonDocument.Parse(l).RootElement.GetProperty("@message").GetString() == "apisix plugin bridge serving");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [GeneratedRegex(@"^1\|1\|unix\|(?<socket>/[^|]+)\|netrpc$")]
    private static partial Regex HandshakeLine();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
