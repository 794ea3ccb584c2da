using ApisixPlugin.Deploy.Tests.Support;
using ApisixPlugin.Testing.Processes;

namespace ApisixPlugin.Deploy.Tests.Publishing;

/// <summary>
/// Runs deploy/publish.sh the way the Dockerfile's build stage does: in a copy of exactly the files
/// the Dockerfile copies into its build context (without bin/ and obj/, as .dockerignore says), so
/// a file the image build lacks fails here too, and the checkout's own build outputs are neither
/// used nor disturbed. Each part is published once, by the first test that needs it, so that its
/// time counts against that test (CI's hang timeout is per test).
/// </summary>
public sealed class PublishedImage : IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("apisix-plugin-publish-");
    private readonly Dictionary<string, Task> _parts = [];
    private readonly Lock _gate = new();

    private string Context => Path.Combine(_work.FullName, "context");

    public string Out => Path.Combine(_work.FullName, "out");

    public string SidecarDir => Path.Combine(Out, "sidecar");

    public string BridgeFile => Path.Combine(Out, "bridge", DeployNames.BridgeFileName);

    /// <summary>`deploy/publish.sh out sidecar`, once.</summary>
    public Task PublishSidecarAsync() => Part("sidecar");

    /// <summary>`deploy/publish.sh out bridge`, once.</summary>
    public Task PublishBridgeAsync() => Part("bridge");

    public Task InitializeAsync()
    {
        foreach (var source in Dockerfile.Load(DeployPaths.Dockerfile).Build.ContextSources())
        {
            CopyIntoContext(source.TrimEnd('/'));
        }

        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _work.Delete(recursive: true);
        return Task.CompletedTask;
    }

    private Task Part(string part)
    {
        lock (_gate)
        {
            if (!_parts.TryGetValue(part, out var task))
            {
                task = RunAsync(part);
                _parts[part] = task;
            }

            return task;
        }
    }

    private async Task RunAsync(string part)
    {
        var result = await ProcessRun.RunAsync(
            "bash", [Path.Combine(Context, "deploy", "publish.sh"), Out, part], workingDirectory: Context, timeout: TimeSpan.FromMinutes(20));
        result.EnsureSuccess();
    }

    private void CopyIntoContext(string relative)
    {
        var from = Path.Combine(DeployPaths.Root, relative);
        var to = Path.Combine(Context, relative);
        if (File.Exists(from))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to);
            return;
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var inner = Path.GetRelativePath(from, file);
            if (inner.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            {
                continue;
            }

            var target = Path.Combine(to, inner);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
