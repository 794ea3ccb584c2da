using System.Diagnostics;

namespace ApisixPlugin.Bridge.Tests.Support;

/// <summary>The bridge as the controller runs it: a child process (the plain build output, via dotnet).</summary>
internal sealed class BridgeProcess : IDisposable
{
    private BridgeProcess(Process process) => Process = process;

    public Process Process { get; }

    public static BridgeProcess Start(bool withCookie, params string[] args) => Start(withCookie, new Dictionary<string, string>(), args);

    /// <summary>With extra environment, e.g. a container-like DOTNET_GCHeapHardLimit.</summary>
    public static BridgeProcess Start(bool withCookie, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "apisix-plugin-bridge.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("ARGO_ROLLOUTS_RPC_PLUGIN");
        if (withCookie)
        {
            start.Environment["ARGO_ROLLOUTS_RPC_PLUGIN"] = "trafficrouter";
            start.Environment["PLUGIN_PROTOCOL_VERSIONS"] = "1";
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        return new BridgeProcess(Process.Start(start)!);
    }

    /// <summary>A line of /proc/PID/status in KiB, e.g. VmRSS (resident now) or VmHWM (resident peak).</summary>
    public long StatusKiB(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{Process.Id}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"no {field} in /proc/{Process.Id}/status");
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
        }
        Process.Dispose();
    }
}
