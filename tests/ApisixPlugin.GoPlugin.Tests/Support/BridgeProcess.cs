using System.Diagnostics;

namespace ApisixPlugin.GoPlugin.Tests.Support;

/// <summary>The bridge as the controller runs it: a child process (the plain build output, via dotnet).</summary>
internal sealed class BridgeProcess : IDisposable
{
    private BridgeProcess(Process process) => Process = process;

    public Process Process { get; }

    public static BridgeProcess Start(bool withCookie, params string[] args)
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
        return new BridgeProcess(Process.Start(start)!);
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
