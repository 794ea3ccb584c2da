using ApisixPlugin.Contracts;
using System.Globalization;

namespace ApisixPlugin.Bridge;

/// <summary>
/// <c>apisix-plugin-bridge [--socket PATH] [--plugin-name NAME] [--call-timeout SECONDS] [--noop]</c>;
/// the controller passes these from the plugin's <c>args</c> in its ConfigMap.
/// </summary>
internal sealed record BridgeOptions
{
    public const string Usage =
        "usage: apisix-plugin-bridge [--socket PATH] [--plugin-name NAME] [--call-timeout SECONDS] [--noop]\n" +
        "       apisix-plugin-bridge install <destination-file>\n";

    public string SidecarSocket { get; init; } = PluginDefaults.SocketPath;

    /// <summary>The key of this plugin in spec.strategy.canary.trafficRouting.plugins.</summary>
    public string PluginName { get; init; } = PluginDefaults.PluginName;

    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Answer every Plugin call at once with success, without the sidecar (benchmarks).</summary>
    public bool Noop { get; init; }

    /// <summary>Parses the arguments; on error returns null and says why.</summary>
    public static BridgeOptions? Parse(IReadOnlyList<string> args, out string error)
    {
        var options = new BridgeOptions();
        error = "";
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = Split(args[i]);
            string Value(ref int index, out bool ok)
            {
                if (inlineValue is not null)
                {
                    ok = true;
                    return inlineValue;
                }
                ok = index + 1 < args.Count;
                return ok ? args[++index] : "";
            }
            bool ok;
            switch (name)
            {
                case "--socket":
                    options = options with { SidecarSocket = Value(ref i, out ok) };
                    break;
                case "--plugin-name":
                    options = options with { PluginName = Value(ref i, out ok) };
                    break;
                case "--call-timeout":
                    var text = Value(ref i, out ok);
                    if (ok && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= 3600)
                    {
                        options = options with { CallTimeout = TimeSpan.FromSeconds(seconds) };
                    }
                    else
                    {
                        error = $"--call-timeout needs a number of seconds in (0, 3600], got '{text}'";
                        return null;
                    }
                    break;
                case "--noop":
                    ok = inlineValue is null;
                    options = options with { Noop = true };
                    break;
                default:
                    error = $"unknown argument '{args[i]}'";
                    return null;
            }
            if (!ok)
            {
                error = $"{name} needs a value";
                return null;
            }
        }
        if (options.SidecarSocket.Length == 0 || options.PluginName.Length == 0)
        {
            error = "--socket and --plugin-name must not be empty";
            return null;
        }
        return options;
    }

    private static (string Name, string? Value) Split(string arg)
    {
        var eq = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && eq > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
    }
}
