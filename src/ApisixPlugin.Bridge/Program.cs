using System.Runtime.InteropServices;
using System.Text;
using ApisixPlugin.Bridge;
using ApisixPlugin.Bridge.Logging;
using ApisixPlugin.Bridge.Mapping;
using ApisixPlugin.Bridge.Plugin;
using ApisixPlugin.Contracts;
using ApisixPlugin.GoPlugin.Logging;
using ApisixPlugin.GoPlugin.NetRpc;
using ApisixPlugin.GoPlugin.Plugin;

// The file the Argo Rollouts controller runs as its traffic-router plugin. stdout carries the
// go-plugin handshake line and nothing else; everything else goes to stderr.
return await new BridgeCommandLine(ServeAsync).InvokeAsync(args, Console.Out, Console.Error).ConfigureAwait(false);

static async Task<int> ServeAsync(BridgeOptions options)
{
    // Checked once the command line is good: a bad one is exit code 2 whether run by the controller or not.
    if (!GoPluginHandshake.CookieMatches("ARGO_ROLLOUTS_RPC_PLUGIN", "trafficrouter"))
    {
        Console.Error.Write(GoPluginHandshake.NotAPluginMessage);
        return 1;
    }

    var log = new HclogJsonLog(Console.OpenStandardError(), options.LogLevel);

    // The controller's terminal may forward Ctrl-C to its children; go-plugin plugins ignore it and
    // wait for Control.Quit. The line says so to whoever wonders why the plugin outlived Ctrl-C.
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
    {
        context.Cancel = true;
        log.Write(PluginLogLevel.Info, "interrupt signal ignored; the controller ends the plugin with Control.Quit");
    });

    // SIGTERM (a container stop) ends the bridge cleanly, removing its socket file: registered
    // before the handshake line, so that a stop right after it is clean too.
    var exitCode = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        exitCode.TrySetResult(0);
    });
    using var server = GoPluginServer.Listen();
    using (var stdout = Console.OpenStandardOutput())
    {
        stdout.Write(Encoding.UTF8.GetBytes(server.HandshakeLine));
        stdout.Flush();
    }

    using var sidecar = options.Noop ? null : BridgeServices.CreateSidecarChannel(options);
    INetRpcService plugin = sidecar is null ? new NoopPluginService(new RolloutMapper(options.PluginName)) : BridgeServices.CreatePluginService(sidecar, options, log);
    log.Write(PluginLogLevel.Info, "apisix plugin bridge serving", ("version", ProgramVersion.Text), ("address", server.Address),
        ("sidecar", options.Noop ? "none (--noop)" : options.SidecarSocket), ("plugin_name", options.PluginName),
        ("call_timeout", options.CallTimeout));

    using var stopping = new CancellationTokenSource();
    _ = server.ServeAsync(new GoPluginServerOptions
    {
        Plugins = new Dictionary<string, INetRpcService>(StringComparer.Ordinal) { ["RpcTrafficRouterPlugin"] = plugin },
        Log = log,
        OnQuit = () =>
        {
            log.Write(PluginLogLevel.Info, "quit requested by the controller");
            // Give the writer loop a moment to put the Quit answer on the socket.
            _ = Task.Delay(50).ContinueWith(_ => exitCode.TrySetResult(0), TaskScheduler.Default);
        },
        OnConnectionClosed = reason =>
        {
            log.Write(PluginLogLevel.Info, "controller connection closed; exiting", ("reason", reason));
            exitCode.TrySetResult(0);
        },
    }, stopping.Token);

    var code = await exitCode.Task.ConfigureAwait(false);
    await stopping.CancelAsync().ConfigureAwait(false);
    return code;
}
