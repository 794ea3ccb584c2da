using System.Text.Json;
using System.Text.Json.Nodes;

namespace ApisixPlugin.Core.Preflight;

/// <summary>What could be read of the controller's ConfigMap (argo-rollouts-config).</summary>
public abstract record ControllerConfigRead(string Namespace, string Name)
{
    public string Key => $"{Namespace}/{Name}";

    /// <summary>The ConfigMap could not be read; <see cref="Reason"/> names the permission or the failure.</summary>
    public sealed record Unreadable(string Namespace, string Name, string Reason) : ControllerConfigRead(Namespace, Name);

    public sealed record NotFound(string Namespace, string Name) : ControllerConfigRead(Namespace, Name);

    /// <summary>
    /// The ConfigMap's <c>trafficRouterPlugins</c> (a YAML string), read as JSON by the caller:
    /// null <see cref="Plugins"/> with null <see cref="YamlError"/> when the key is absent.
    /// </summary>
    public sealed record Found(string Namespace, string Name, JsonNode? Plugins, string? YamlError, bool HasKey) : ControllerConfigRead(Namespace, Name);
}

/// <summary>The plugin's entry as registered: where the controller loads the bridge from, and the socket the bridge connects to.</summary>
public sealed record RegisteredPlugin(string Location, string Socket)
{
    /// <summary>The path of a <c>file://</c> location, in the controller's container; null for http(s).</summary>
    public string? FilePath => Location.StartsWith("file://", StringComparison.Ordinal) ? Location["file://".Length..] : null;
}

/// <summary>
/// The controller loads a traffic-router plugin only when argo-rollouts-config lists it under
/// <c>trafficRouterPlugins</c> with the name the Rollouts use and a location it can fetch; the
/// args tell the bridge where the sidecar's socket is.
/// </summary>
public static class ControllerRegistration
{
    public const string ConfigMapKey = "trafficRouterPlugins";

    public static PreflightFinding Check(string pluginName, string defaultSocket, ControllerConfigRead read) =>
        Inspect(pluginName, defaultSocket, read).Finding;

    /// <summary>The finding, and the entry when one could be read whole (null when the finding fails).</summary>
    public static (PreflightFinding Finding, RegisteredPlugin? Entry) Inspect(string pluginName, string defaultSocket, ControllerConfigRead read)
    {
        var subject = read.Key;
        var at = $"configmap {read.Key} {ConfigMapKey}";
        switch (read)
        {
            case ControllerConfigRead.Unreadable u:
                return (PreflightFinding.Warn(PreflightCheck.ControllerConfig, subject,
                    $"configmap {read.Key} could not be read ({u.Reason}); whether the controller loads '{pluginName}' was not checked"), null);
            case ControllerConfigRead.NotFound:
                return (PreflightFinding.Fail(PreflightCheck.ControllerConfig, subject,
                    $"configmap {read.Key} does not exist: no plugin is registered with the controller there (is --controller-namespace the controller's namespace?)"), null);
            case ControllerConfigRead.Found { HasKey: false }:
                return (PreflightFinding.Fail(PreflightCheck.ControllerConfig, subject,
                    $"configmap {read.Key} has no {ConfigMapKey}: the controller loads no traffic-router plugin, so Rollouts naming '{pluginName}' fail; add {Example(pluginName, defaultSocket)}"), null);
            case ControllerConfigRead.Found { YamlError: { } error }:
                return (PreflightFinding.Fail(PreflightCheck.ControllerConfig, subject, $"{at}: {error}"), null);
            case ControllerConfigRead.Found found:
                return CheckEntries(pluginName, defaultSocket, at, subject, found.Plugins);
            default:
                throw new ArgumentOutOfRangeException(nameof(read), read, null);
        }
    }

    private static (PreflightFinding, RegisteredPlugin?) CheckEntries(string pluginName, string defaultSocket, string at, string subject, JsonNode? plugins)
    {
        if (plugins is not JsonArray list)
        {
            return (PreflightFinding.Fail(PreflightCheck.ControllerConfig, subject, $"{at}: must be a list of entries with name and location, not {Describe(plugins)}"), null);
        }

        var entries = list.Select((e, i) => (Entry: e as JsonObject, Index: i)).ToList();
        var mine = entries.Where(e => Text(e.Entry?["name"]) == pluginName).ToList();
        if (mine.Count == 0)
        {
            var names = entries.Select(e => Text(e.Entry?["name"])).OfType<string>().Select(n => $"'{n}'").ToList();
            return (PreflightFinding.Fail(PreflightCheck.ControllerConfig, subject,
                $"{at}: no entry named '{pluginName}' ({(names.Count == 0 ? "the list is empty" : $"it lists {string.Join(", ", names)}")}); add {Example(pluginName, defaultSocket)}"), null);
        }

        if (mine.Count > 1)
        {
            return (PreflightFinding.Fail(PreflightCheck.ControllerConfig, subject,
                $"{at}: '{pluginName}' is listed {mine.Count} times (entries {string.Join(", ", mine.Select(m => m.Index))}); keep one"), null);
        }

        var (entry, index) = mine[0];
        var location = Text(entry!["location"]);
        if (string.IsNullOrWhiteSpace(location))
        {
            return (PreflightFinding.Fail(PreflightCheck.ControllerConfig, subject, $"{at}[{index}] ('{pluginName}'): location is missing"), null);
        }

        if (!(location.StartsWith("file://", StringComparison.Ordinal) || location.StartsWith("https://", StringComparison.Ordinal)
            || location.StartsWith("http://", StringComparison.Ordinal)))
        {
            return (PreflightFinding.Fail(PreflightCheck.ControllerConfig, subject,
                $"{at}[{index}] ('{pluginName}'): location '{location}' is neither a file:// path nor an http(s):// URL, which is all the controller loads"), null);
        }

        var args = new List<string>();
        if (entry["args"] is { } argsNode)
        {
            if (argsNode is not JsonArray argList || argList.Any(a => Text(a) is null))
            {
                return (PreflightFinding.Fail(PreflightCheck.ControllerConfig, subject, $"{at}[{index}] ('{pluginName}'): args must be a list of strings, not {Describe(argsNode)}"), null);
            }

            args.AddRange(argList.Select(a => Text(a)!));
        }

        var shown = $"'{pluginName}' at {location}, args [{string.Join(", ", args)}]";
        var socket = SocketArgument(args);
        if (socket is not null && socket != defaultSocket)
        {
            return (PreflightFinding.Warn(PreflightCheck.ControllerConfig, subject,
                $"{at}[{index}]: {shown}: the bridge connects to {socket}, not the default {defaultSocket}; the sidecar's --socket must say the same"),
                new RegisteredPlugin(location, socket));
        }

        return (PreflightFinding.Pass(PreflightCheck.ControllerConfig, subject, $"{at}[{index}]: {shown}"), new RegisteredPlugin(location, defaultSocket));
    }

    /// <summary>A --socket value (the bridge's, or the sidecar's), as "--socket PATH" or "--socket=PATH"; the last one wins.</summary>
    public static string? SocketArgument(IReadOnlyList<string> args)
    {
        string? socket = null;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--socket" && i + 1 < args.Count)
            {
                socket = args[++i];
            }
            else if (args[i].StartsWith("--socket=", StringComparison.Ordinal))
            {
                socket = args[i]["--socket=".Length..];
            }
        }

        return socket;
    }

    private static string Example(string pluginName, string socket) =>
        $"{{name: {pluginName}, location: file:///opt/apisix-plugin/apisix-plugin-bridge, args: [--socket, {socket}]}} (deploy/ registers it so)";

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string Describe(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"\"{Text(node)}\"",
        _ => node.ToJsonString(),
    };
}
