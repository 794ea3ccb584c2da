using ApisixPlugin.Deploy.Tests.Support;

namespace ApisixPlugin.Deploy.Tests.Publishing;

/// <summary>
/// Runs deploy/publish.sh once, the way the Dockerfile's build stage does: in a copy of exactly the
/// files the Dockerfile copies into its build context (without bin/ and obj/, as .dockerignore
/// says), so a file the image build lacks fails here too, and the checkout's own build outputs are
/// neither used nor disturbed.
/// </summary>
public sealed class PublishedImage : IAsyncLifetime
{
    private DirectoryInfo? _work;

    public string Out => Path.Combine(_work?.FullName ?? throw new InvalidOperationException("not published"), "out");

    public string Sidecar => Path.Combine(Out, "sidecar");

    public string Bridge => Path.Combine(Out, "bridge", DeployNames.BridgeFileName);

    public TimeSpan Took { get; private set; }

    public async Task InitializeAsync()
    {
        _work = Directory.CreateTempSubdirectory("apisix-plugin-publish-");
        var context = Path.Combine(_work.FullName, "context");
        foreach (var source in Dockerfile.Load(RepoPaths.Dockerfile).Build.ContextSources())
        {
            CopyIntoContext(source.TrimEnd('/'), context);
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = await ToolRun.RunAsync(
            "bash", [Path.Combine(context, "deploy", "publish.sh"), Out], workingDirectory: context, timeout: TimeSpan.FromMinutes(15));
        Took = started.Elapsed;
        result.EnsureSuccess();
    }

    public Task DisposeAsync()
    {
        _work?.Delete(recursive: true);
        return Task.CompletedTask;
    }

    private static void CopyIntoContext(string relative, string context)
    {
        var from = Path.Combine(RepoPaths.Root, relative);
        var to = Path.Combine(context, relative);
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
