using System.Text.Json.Nodes;
using ApisixPlugin.Testing.Processes;

namespace ApisixPlugin.Deploy.Tests.Support;

/// <summary>
/// The kubectl on PATH (or env KUBECTL). Its built-in kustomize renders deploy/kustomize, and it
/// applies rendered objects to the test API server exactly as an operator would.
/// </summary>
internal static class Kubectl
{
    private static readonly Lazy<string> Binary = new(Locate);

    /// <summary>`kubectl kustomize &lt;dir&gt;`: the rendered multi-document YAML.</summary>
    public static async Task<string> KustomizeAsync(string directory)
    {
        await EnsureModernKustomizeAsync();
        var result = await RunAsync(["kustomize", directory]);
        return result.EnsureSuccess().StdOut;
    }

    public static Task<ProcessResult> RunAsync(IEnumerable<string> args, string? stdin = null) =>
        ProcessRun.RunAsync(Binary.Value, args, stdin: stdin);

    /// <summary>
    /// deploy/kustomize uses `patches:` and directory resources, which need kustomize v4+ (kubectl
    /// 1.21+). Debian's kubernetes-client (kubectl 1.20) embeds kustomize v2.0.3 and cannot render it.
    /// </summary>
    private static async Task EnsureModernKustomizeAsync()
    {
        var version = await RunAsync(["version", "--client", "-o", "json"]);
        var kustomize = JsonNode.Parse(version.EnsureSuccess().StdOut)?["kustomizeVersion"]?.GetValue<string>();
        if (kustomize is null || !int.TryParse(kustomize.TrimStart('v').Split('.')[0], out var major) || major < 4)
        {
            throw new InvalidOperationException(
                $"{Binary.Value} embeds kustomize '{kustomize ?? "unknown"}'; deploy/kustomize needs v4 or newer (kubectl >= 1.21)");
        }
    }

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable("KUBECTL") is { Length: > 0 } fromEnv)
        {
            return fromEnv;
        }

        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "kubectl"))
            .FirstOrDefault(File.Exists);
        return onPath ?? throw new FileNotFoundException("kubectl not found on PATH (or env KUBECTL); the deploy tests render and apply with it");
    }
}
