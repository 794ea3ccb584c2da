using System.Diagnostics;

namespace ApisixPlugin.Deploy.Tests.Support;

/// <summary>The outcome of one external command.</summary>
internal sealed record ToolResult(string Command, int ExitCode, string StdOut, string StdErr)
{
    public ToolResult EnsureSuccess() => ExitCode == 0
        ? this
        : throw new InvalidOperationException($"`{Command}` exited {ExitCode}\n--- stderr ---\n{StdErr}\n--- stdout ---\n{Tail(StdOut)}");

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}

/// <summary>Runs a command to completion with a deadline, capturing both streams.</summary>
internal static class ToolRun
{
    public static async Task<ToolResult> RunAsync(
        string fileName, IEnumerable<string> args, string? stdin = null, string? workingDirectory = null,
        TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoPaths.Root,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var command = $"{fileName} {string.Join(' ', start.ArgumentList)}";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {command}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{command}` did not finish within {timeout ?? TimeSpan.FromMinutes(2)}");
        }

        return new ToolResult(command, process.ExitCode, await stdout, await stderr);
    }
}
