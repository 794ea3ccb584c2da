using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ApisixPlugin.Deploy.Tests.Cluster;
using ApisixPlugin.Deploy.Tests.Support;
using ApisixPlugin.Testing;
using ApisixPlugin.Testing.Cluster;
using ApisixPlugin.Testing.Processes;

namespace ApisixPlugin.Deploy.Tests.Publishing;

/// <summary>
/// What deploy/publish.sh produces is what the image ships and the manifests run: the sidecar
/// (one NativeAOT file, started as the image's entrypoint does, answering the manifests' probes)
/// and the bridge (one static file that installs itself).
/// </summary>
[Collection(DeployKubeCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PublishTests(PublishedImage image, KubeClusterFixture cluster) : IClassFixture<PublishedImage>
{
    private const uint PtInterp = 3;

    [Fact]
    public async Task The_sidecar_is_one_native_x86_64_executable_for_the_runtime_deps_image()
    {
        await image.PublishSidecarAsync();
        var file = Path.Combine(image.SidecarDir, DeployNames.SidecarFileName);
        var bytes = File.ReadAllBytes(file);

        Assert.Equal("\u007fELF"u8.ToArray(), bytes[..4]);
        Assert.Equal(62, BitConverter.ToUInt16(bytes, 0x12)); // EM_X86_64
        Assert.Equal(UnixFileMode.UserExecute, File.GetUnixFileMode(file) & UnixFileMode.UserExecute);
        // NativeAOT: no IL assemblies or runtimeconfig beside it that the image would have to copy.
        Assert.Empty(Directory.GetFiles(image.SidecarDir, "*.dll"));
        Assert.Empty(Directory.GetFiles(image.SidecarDir, "*.runtimeconfig.json"));
    }

    [Fact]
    public async Task The_published_sidecar_simulates_the_embedded_example_through_all_four_steps()
    {
        await image.PublishSidecarAsync();

        // The examples are embedded at build time: an image built without them would fail here.
        var result = await ProcessRun.RunAsync(Path.Combine(image.SidecarDir, DeployNames.SidecarFileName), ["simulate"]);

        result.EnsureSuccess();
        var steps = result.StdOut.Split('\n').Where(l => l.StartsWith("step ", StringComparison.Ordinal) && l.Contains("setWeight", StringComparison.Ordinal));
        Assert.Equal(["step 1: setWeight 20", "step 4: setWeight 40", "step 6: setWeight 60", "step 8: setWeight 80"], steps);
    }

    [Fact]
    public async Task The_bridge_is_one_static_x86_64_executable_that_needs_no_libc()
    {
        await image.PublishBridgeAsync();
        var bytes = File.ReadAllBytes(image.BridgeFile);

        Assert.Equal("\u007fELF"u8.ToArray(), bytes[..4]);
        Assert.Equal(2, bytes[4]); // ELFCLASS64
        Assert.Equal(62, BitConverter.ToUInt16(bytes, 0x12)); // EM_X86_64
        var programHeaders = BitConverter.ToInt64(bytes, 0x20);
        var entrySize = BitConverter.ToUInt16(bytes, 0x36);
        var count = BitConverter.ToUInt16(bytes, 0x38);
        var types = Enumerable.Range(0, count).Select(i => BitConverter.ToUInt32(bytes, (int)programHeaders + (i * entrySize))).ToList();

        // No PT_INTERP: nothing asks for a dynamic loader, which the controller's distroless image lacks.
        Assert.DoesNotContain(PtInterp, types);
        Assert.Equal(UnixFileMode.UserExecute, File.GetUnixFileMode(image.BridgeFile) & UnixFileMode.UserExecute);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(image.BridgeFile)!, "*.so"));
    }

    [Fact]
    public async Task The_bridge_installs_a_byte_identical_copy_the_controllers_user_can_run()
    {
        await image.PublishBridgeAsync();
        var volume = Directory.CreateTempSubdirectory("apisix-plugin-bin-");
        try
        {
            var destination = Path.Combine(volume.FullName, DeployNames.BridgeFileName);

            var result = await ProcessRun.RunAsync(image.BridgeFile, ["install", destination]);

            result.EnsureSuccess();
            Assert.Equal(await File.ReadAllBytesAsync(image.BridgeFile), await File.ReadAllBytesAsync(destination));
            var mode = File.GetUnixFileMode(destination);
            Assert.Equal(UnixFileMode.OtherRead | UnixFileMode.OtherExecute, mode & (UnixFileMode.OtherRead | UnixFileMode.OtherExecute));
            Assert.Equal([DeployNames.BridgeFileName], Directory.GetFiles(volume.FullName).Select(Path.GetFileName));
        }
        finally
        {
            volume.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_sidecar_started_like_the_image_answers_the_manifests_probe_and_opens_the_socket_to_its_group_only()
    {
        await image.PublishSidecarAsync();
        var work = Directory.CreateTempSubdirectory("apisix-plugin-sidecar-");
        // An emptyDir is open to every container of the pod; the socket's own mode decides.
        File.SetUnixFileMode(work.FullName, (UnixFileMode)0b111_111_111);
        var socket = Path.Combine(work.FullName, "sidecar.sock");
        var metricsPort = FreePorts.Next();
        var start = new ProcessStartInfo(Path.Combine(image.SidecarDir, DeployNames.SidecarFileName))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                "serve", "--socket", socket,
                "--metrics-port", metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--kubeconfig", cluster.KubeconfigFor(KubeUsers.Plugin),
            },
        };
        // The image's environment (Dockerfile ENV), with /tmp standing for the pod's emptyDir.
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        start.Environment["TMPDIR"] = work.FullName;
        start.Environment["HOME"] = work.FullName;
        start.Environment["ASPNETCORE_HTTP_PORTS"] = "";

        using var sidecar = Process.Start(start)!;
        var output = sidecar.StandardOutput.ReadToEndAsync();
        var errors = sidecar.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var healthz = await PollAsync(http, new Uri($"http://127.0.0.1:{metricsPort}/healthz"), sidecar, TimeSpan.FromSeconds(30));
            Assert.True(healthz == HttpStatusCode.OK, $"/healthz answered {healthz}");
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"))).StatusCode);

            // The controller runs as another uid (999) in the pod's shared group (fsGroup): it
            // connects through the group bits; a uid outside the group cannot connect at all.
            const UnixFileMode GroupOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;
            Assert.Equal(GroupOnly, await PollModeAsync(socket, GroupOnly));
            var group = (await RunAsync("stat", "-c", "%g", socket)).Trim();
            Assert.NotEqual(CurlCouldNotConnect, await CurlAsUid999Async(socket, $"--groups={group}"));
            Assert.Equal(CurlCouldNotConnect, await CurlAsUid999Async(socket, "--clear-groups"));
        }
        finally
        {
            if (!sidecar.HasExited)
            {
                sidecar.Kill(entireProcessTree: true);
            }

            await sidecar.WaitForExitAsync();
            _ = await output;
            _ = await errors;
            work.Delete(recursive: true);
        }
    }

    private static async Task<HttpStatusCode?> PollAsync(HttpClient http, Uri url, Process process, TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < limit && !process.HasExited)
        {
            try
            {
                return (await http.GetAsync(url)).StatusCode;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200);
            }
        }

        Assert.Fail(process.HasExited ? $"the sidecar exited with {process.ExitCode}" : $"nothing answered on {url} within {limit}");
        return null;
    }

    /// <summary>The socket mode is set once the host has started: wait for it, at most 5 s.</summary>
    private static async Task<UnixFileMode> PollModeAsync(string socket, UnixFileMode expected)
    {
        for (var i = 0; i < 50 && (!File.Exists(socket) || File.GetUnixFileMode(socket) != expected); i++)
        {
            await Task.Delay(100);
        }

        return File.GetUnixFileMode(socket);
    }

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited with {process.ExitCode}");
        return output;
    }

    /// <summary>curl's exit code for "failed to connect to host" (here: connect(2) on the socket refused with EACCES).</summary>
    private const int CurlCouldNotConnect = 7;

    /// <summary>An HTTP/2 request over the socket as uid 999 (the controller's), with the given setpriv group option; curl's exit code.</summary>
    private static async Task<int> CurlAsUid999Async(string socket, string groups)
    {
        var start = new ProcessStartInfo("setpriv")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "--reuid=999", "--regid=999", groups, "curl", "-s", "-o", "/dev/null", "--max-time", "5", "--http2-prior-knowledge", "--unix-socket", socket, "http://sidecar/" },
        };
        using var curl = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await curl.WaitForExitAsync(timeout.Token);
        return curl.ExitCode;
    }
}
