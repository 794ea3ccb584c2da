using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Testing.Processes;

namespace ApisixPlugin.Bridge.GoClient.Tests.Support;

/// <summary>One plugin call as the Go controller reported it (see tests/goplugin-peer/README.md).</summary>
internal sealed record ControllerCall(int Index, string Method, string Error, string CallError, int? Verified, string? Type, long ElapsedUs);

/// <summary>The stdout of one run of the Go controller, parsed: call lines and event lines.</summary>
internal sealed class ControllerRun
{
    private readonly List<JsonElement> _events = [];

    private ControllerRun(ProcessResult process) => Process = process;

    public ProcessResult Process { get; }

    public List<ControllerCall> Calls { get; } = [];

    /// <summary>The event line with this name (started, ping, kill, concurrent, start-failed), or a failure naming the output.</summary>
    public JsonElement Event(string name) =>
        _events.FirstOrDefault(e => e.GetProperty("event").GetString() == name) is { ValueKind: JsonValueKind.Object } found
            ? found
            : throw new Xunit.Sdk.XunitException($"controller printed no '{name}' event\n{Process.Describe()}");

    public ControllerCall Call(string method) =>
        Calls.FirstOrDefault(c => c.Method == method) ?? throw new Xunit.Sdk.XunitException($"no {method} call\n{Process.Describe()}");

    /// <summary>Runs the controller against a plugin file; the controller itself fails calls after callTimeout.</summary>
    /// <summary>A scenario of one Type call: go-plugin still connects, dispenses, pings and quits around it.</summary>
    public static JsonObject TypeOnly() => new() { ["calls"] = new JsonArray(new JsonObject { ["method"] = "Type" }) };

    /// <summary>
    /// The Type answer, the ping and the end of a <see cref="TypeOnly"/> run: go-plugin SIGKILLs a
    /// plugin still alive 2 s after Control.Quit, so "exit status 0" means it left by itself.
    /// </summary>
    public JsonElement AssertTypedPingedAndLeftByItself()
    {
        Assert.Equal("netrpc", Event("started").GetProperty("protocol").GetString());
        var type = Call("Type");
        Assert.Equal("", type.CallError);
        Assert.False(string.IsNullOrEmpty(type.Type), Process.Describe());
        Assert.Equal("", Event("ping").GetProperty("error").GetString());
        var kill = Event("kill");
        Assert.Equal("exit status 0", kill.GetProperty("exit").GetString());
        Assert.Equal(0, Process.ExitCode);
        return kill;
    }

    public static async Task<ControllerRun> StartAsync(
        GoPeer peer, string pluginFile, IEnumerable<string> controllerArgs, IEnumerable<string> pluginArgs,
        JsonObject? scenario = null, TimeSpan? timeout = null)
    {
        var args = new List<string> { "-plugin", pluginFile };
        args.AddRange(controllerArgs);
        if (scenario is not null)
        {
            args.AddRange(["-scenario", "-"]);
        }
        args.Add("--");
        args.AddRange(pluginArgs);
        var process = await ProcessRun.RunAsync(peer.Controller, args, timeout ?? TimeSpan.FromSeconds(90), stdin: scenario?.ToJsonString());
        return Parse(process);
    }

    /// <summary>
    /// Runs the controller on a scenario whose call <paramref name="pauseAfter"/> is followed by a
    /// WaitForFile on <paramref name="resumeFile"/>: once the controller has printed that call's
    /// result, <paramref name="between"/> runs (the controller is then between two calls, its
    /// plugin process connected), and then the file is created so the controller goes on.
    /// </summary>
    public static async Task<ControllerRun> RunPausingAsync(
        GoPeer peer, string pluginFile, IEnumerable<string> pluginArgs, JsonObject scenario,
        int pauseAfter, string resumeFile, Func<Task> between, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(peer.Controller)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-plugin", pluginFile, "-scenario", "-", "--" }.Concat(pluginArgs))
        {
            info.ArgumentList.Add(arg);
        }

        var command = $"{peer.Controller} {string.Join(' ', info.ArgumentList)}";
        var limit = timeout ?? TimeSpan.FromSeconds(120);
        var stopwatch = Stopwatch.StartNew();
        using var process = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException($"could not start {command}");
        using var deadline = new CancellationTokenSource(limit);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        await process.StandardInput.WriteAsync(scenario.ToJsonString());
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        try
        {
            var paused = false;
            while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                stdout.AppendLine(line);
                if (!paused && line.StartsWith("{\"index\":", StringComparison.Ordinal)
                    && JsonDocument.Parse(line).RootElement.GetProperty("index").GetInt32() == pauseAfter)
                {
                    paused = true;
                    await between();
                    await File.WriteAllTextAsync(resumeFile, "", deadline.Token);
                }
            }
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"`{command}` did not finish within {limit.TotalSeconds}s\nstdout:\n{stdout}");
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return Parse(new ProcessResult(command, process.ExitCode, stdout.ToString(), await stderr, stopwatch.Elapsed));
    }

    private static ControllerRun Parse(ProcessResult process)
    {
        var run = new ControllerRun(process);
        foreach (var line in process.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            JsonElement element;
            try
            {
                element = JsonDocument.Parse(line).RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new Xunit.Sdk.XunitException($"controller printed a line that is not JSON ({e.Message}): {line}\n{process.Describe()}");
            }
            if (element.TryGetProperty("event", out _))
            {
                run._events.Add(element);
                continue;
            }
            run.Calls.Add(new ControllerCall(
                element.GetProperty("index").GetInt32(),
                element.GetProperty("method").GetString()!,
                element.GetProperty("error").GetString()!,
                element.GetProperty("callError").GetString()!,
                element.TryGetProperty("verified", out var v) ? v.GetInt32() : null,
                element.TryGetProperty("type", out var t) ? t.GetString() : null,
                element.GetProperty("elapsedUs").GetInt64()));
        }
        return run;
    }
}
