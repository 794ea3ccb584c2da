using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using ApisixPlugin.Bridge.Install;
using ApisixPlugin.Bridge.Logging;
using ApisixPlugin.Contracts;

namespace ApisixPlugin.Bridge;

/// <summary>
/// <c>apisix-plugin-bridge [--socket PATH] [--plugin-name NAME] [--call-timeout SECONDS] [--log-level LEVEL] [--noop]</c>,
/// which the controller runs with the plugin's <c>args</c> from its ConfigMap, and
/// <c>apisix-plugin-bridge install DESTINATION</c>, which the init container runs. Every option
/// also has an environment variable of the controller's container (APISIX_PLUGIN_BRIDGE_ and the
/// option's name), which the option, when given, overrides; a bad value of either fails the
/// command line, naming it. The controller waits for the handshake line on every start, so a good
/// command line costs about 0.1 ms here: a handful of symbols, no reflection, no resources read
/// (see <see cref="Parse"/>).
/// </summary>
internal sealed class BridgeCommandLine
{
    public const string ProgramName = "apisix-plugin-bridge";
    public const string EnvironmentPrefix = "APISIX_PLUGIN_BRIDGE_";
    private const double MaxCallTimeoutSeconds = 3600;
    private static readonly BridgeOptions Defaults = new();

    /// <summary>The names <see cref="HelpOption"/> and <see cref="VersionOption"/> answer to.</summary>
    private static readonly HashSet<string> HelpNames = new(StringComparer.Ordinal) { "--help", "-h", "/h", "-?", "/?", "--version" };

    // A plain Command, not a RootCommand: no [suggest] directive, and help names the bridge even
    // where the controller has copied the file under another name.
    private readonly Command _root;
    private readonly Func<string, string?> _environment;

    private readonly Option<string> _socket;
    private readonly Option<string> _pluginName;
    private readonly Option<double> _callTimeout;
    private readonly Option<string> _logLevel;
    private readonly Option<bool> _noop;

    private readonly Argument<string> _destination = new("destination-file")
    {
        Description = "Where the copy goes; its folder is created if need be",
        Validators = { NotEmpty },
    };

    /// <param name="serve">What the bridge does with its options, once the command line is good.</param>
    /// <param name="environment">Reads an environment variable; the process's by default.</param>
    public BridgeCommandLine(Func<BridgeOptions, Task<int>> serve, Func<string, string?>? environment = null)
    {
        _environment = environment ?? Environment.GetEnvironmentVariable;
        _socket = FromEnvironment(new Option<string>("--socket") { HelpName = "PATH", Description = "The sidecar's Unix socket" },
            Defaults.SidecarSocket, Text, "a path");
        _pluginName = FromEnvironment(new Option<string>("--plugin-name") { HelpName = "NAME", Description = "The key this plugin reads under trafficRouting.plugins" },
            Defaults.PluginName, Text, "a name");
        _callTimeout = FromEnvironment(new Option<double>("--call-timeout")
            {
                HelpName = "SECONDS",
                Description = $"The deadline of each call to the sidecar, in (0, {MaxCallTimeoutSeconds}] seconds",
                CustomParser = ParseSeconds,
            },
            Defaults.CallTimeout.TotalSeconds, Seconds, $"a number of seconds in (0, {MaxCallTimeoutSeconds}]");
        _logLevel = FromEnvironment(new Option<string>("--log-level")
            {
                HelpName = "trace|debug|info|warn|error",
                Description = "The least severe log lines written to stderr (the controller's log)",
                CustomParser = ParseLevel,
            },
            HclogJsonLog.LevelName(Defaults.LogLevel), Level, "one of trace, debug, info, warn, error");
        _noop = FromEnvironment(new Option<bool>("--noop") { Description = "Answer every call at once with success, without the sidecar (benchmarks)" },
            false, Boolean, "true or false");

        var install = new Command("install", "Copy this file to destination-file (mode 0755, renamed into place), for an init container: the image has no shell")
        {
            _destination,
        };
        install.SetAction(parsed => SelfInstaller.Run(parsed.GetRequiredValue(_destination), parsed.InvocationConfiguration.Error));

        _root = new Command(ProgramName, "The Argo Rollouts traffic-router plugin for APISIX: go-plugin net/rpc from the controller, gRPC to the sidecar. stdout carries the go-plugin handshake line only.")
        {
            _socket, _pluginName, _callTimeout, _logLevel, _noop, install,
        };
        _root.SetAction((parsed, _) => serve(Options(parsed)));
    }

    /// <summary>The environment variable of an option: <c>--call-timeout</c> is APISIX_PLUGIN_BRIDGE_CALL_TIMEOUT.</summary>
    public static string Variable(string optionName) =>
        EnvironmentPrefix + optionName.TrimStart('-').Replace('-', '_').ToUpperInvariant();

    /// <summary>
    /// Parses as if -h/--help and --version were always there. Creating those options reads
    /// System.CommandLine's resources, a quarter of a millisecond the controller would wait on
    /// every start, so they are added only where they can matter: before the parse when an
    /// argument is one of their names (else <c>install --help</c> would install to a file named
    /// --help), and after a parse with errors, for the usage to be printed with them.
    /// </summary>
    public ParseResult Parse(IReadOnlyList<string> args)
    {
        if (args.Any(HelpNames.Contains))
        {
            AddHelp();
        }

        var parsed = _root.Parse(args, CommandLineRunner.Parser);
        if (parsed.Errors.Count == 0 || !AddHelp())
        {
            return parsed;
        }

        return _root.Parse(args, CommandLineRunner.Parser);
    }

    /// <summary>The options of a command line that parsed without errors.</summary>
    public BridgeOptions Options(ParseResult parsed) => new()
    {
        SidecarSocket = parsed.GetRequiredValue(_socket),
        PluginName = parsed.GetRequiredValue(_pluginName),
        CallTimeout = TimeSpan.FromSeconds(parsed.GetValue(_callTimeout)),
        LogLevel = HclogJsonLog.TryParseLevel(parsed.GetRequiredValue(_logLevel), out var level) ? level : Defaults.LogLevel,
        Noop = parsed.GetValue(_noop),
    };

    /// <summary>
    /// The version goes to <paramref name="stdout"/>, for scripts; help and usage go to
    /// <paramref name="stderr"/>: stdout carries the handshake line, the version, and nothing else.
    /// </summary>
    public Task<int> InvokeAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var parsed = Parse(args);
        return CommandLineRunner.InvokeAsync(ProgramName, parsed, parsed.Action is PrintVersionAction ? stdout : stderr, stderr);
    }

    /// <summary>Everything on <paramref name="stderr"/>, the version too.</summary>
    public Task<int> InvokeAsync(IReadOnlyList<string> args, TextWriter stderr) => InvokeAsync(args, stderr, stderr);

    /// <summary>Adds -h/--help and --version unless they are there already; false when they were.</summary>
    private bool AddHelp()
    {
        if (_root.Options.Any(o => o is HelpOption))
        {
            return false;
        }

        _root.Options.Add(new HelpOption());
        _root.Options.Add(new VersionOption { Action = new PrintVersionAction() });
        return true;
    }

    /// <summary>
    /// The option's default is its environment variable when that is set (and not empty), else
    /// <paramref name="fallback"/>; a variable that <paramref name="parse"/> refuses is an error
    /// naming it and what it needs. Help shows the variable, and the default in effect.
    /// </summary>
    private Option<T> FromEnvironment<T>(Option<T> option, T fallback, Func<string, (bool Ok, T Value)> parse, string needs)
    {
        var variable = Variable(option.Name);
        option.Description += $" [env: {variable}]";
        option.DefaultValueFactory = _ => _environment(variable) is { Length: > 0 } text && parse(text) is (true, var value) ? value : fallback;
        option.Validators.Add(result =>
        {
            if (result.Implicit && _environment(variable) is { Length: > 0 } text && !parse(text).Ok)
            {
                result.AddError($"{variable} needs {needs}, got '{text}'");
            }
            else if (!result.Implicit && typeof(T) == typeof(string))
            {
                NotEmpty(result);
            }
        });
        return option.LastWins();
    }

    private static (bool, string) Text(string text) => (true, text);

    private static (bool, double) Seconds(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= MaxCallTimeoutSeconds
            ? (true, seconds)
            : (false, 0);

    private static (bool, string) Level(string text) => HclogJsonLog.TryParseLevel(text, out _) ? (true, text) : (false, text);

    private static (bool, bool) Boolean(string text) => bool.TryParse(text, out var value) ? (true, value) : (false, false);

    private static double ParseSeconds(ArgumentResult result)
    {
        var text = result.Tokens[^1].Value;
        if (Seconds(text) is (true, var seconds))
        {
            return seconds;
        }

        result.AddError($"--call-timeout needs a number of seconds in (0, {MaxCallTimeoutSeconds}], got '{text}'");
        return 0;
    }

    private static string ParseLevel(ArgumentResult result)
    {
        var text = result.Tokens[^1].Value;
        if (!HclogJsonLog.TryParseLevel(text, out _))
        {
            result.AddError($"--log-level needs one of trace, debug, info, warn, error, got '{text}'");
        }

        return text;
    }

    private static void NotEmpty(SymbolResult result)
    {
        if (result.Tokens is [.., { Value: "" }])
        {
            result.AddError($"{Name(result)} must not be empty");
        }
    }

    private static string Name(SymbolResult result) => result switch
    {
        OptionResult option => option.Option.Name,
        ArgumentResult argument => argument.Argument.Name,
        _ => "",
    };
}
