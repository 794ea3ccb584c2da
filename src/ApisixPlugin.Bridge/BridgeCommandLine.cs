using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using ApisixPlugin.Bridge.Install;
using ApisixPlugin.Contracts;

namespace ApisixPlugin.Bridge;

/// <summary>
/// <c>apisix-plugin-bridge [--socket PATH] [--plugin-name NAME] [--call-timeout SECONDS] [--noop]</c>,
/// which the controller runs with the plugin's <c>args</c> from its ConfigMap, and
/// <c>apisix-plugin-bridge install DESTINATION</c>, which the init container runs. The controller
/// waits for the handshake line on every start, so a good command line costs about 0.1 ms here:
/// a handful of symbols, no reflection, no resources read (see <see cref="Parse"/>).
/// </summary>
internal sealed class BridgeCommandLine
{
    private const double MaxCallTimeoutSeconds = 3600;
    private static readonly BridgeOptions Defaults = new();

    /// <summary>The names <see cref="HelpOption"/> answers to.</summary>
    private static readonly HashSet<string> HelpNames = new(StringComparer.Ordinal) { "--help", "-h", "/h", "-?", "/?" };

    // A plain Command, not a RootCommand: no --version, no [suggest] directive, and help names the
    // bridge even where the controller has copied the file under another name.
    private readonly Command _root;

    private readonly Option<string> _socket = new Option<string>("--socket")
    {
        HelpName = "PATH",
        Description = "The sidecar's Unix socket",
        DefaultValueFactory = _ => Defaults.SidecarSocket,
        Validators = { NotEmpty },
    }.LastWins();

    private readonly Option<string> _pluginName = new Option<string>("--plugin-name")
    {
        HelpName = "NAME",
        Description = "The key this plugin reads under trafficRouting.plugins",
        DefaultValueFactory = _ => Defaults.PluginName,
        Validators = { NotEmpty },
    }.LastWins();

    private readonly Option<double> _callTimeout = new Option<double>("--call-timeout")
    {
        HelpName = "SECONDS",
        Description = $"The deadline of each call to the sidecar, in (0, {MaxCallTimeoutSeconds}] seconds",
        DefaultValueFactory = _ => Defaults.CallTimeout.TotalSeconds,
        CustomParser = ParseSeconds,
    }.LastWins();

    private readonly Option<bool> _noop = new("--noop")
    {
        Description = "Answer every call at once with success, without the sidecar (benchmarks)",
    };

    private readonly Argument<string> _destination = new("destination-file")
    {
        Description = "Where the copy goes; its folder is created if need be",
        Validators = { NotEmpty },
    };

    /// <param name="serve">What the bridge does with its options, once the command line is good.</param>
    public BridgeCommandLine(Func<BridgeOptions, Task<int>> serve)
    {
        var install = new Command("install", "Copy this file to destination-file (mode 0755, renamed into place), for an init container: the image has no shell")
        {
            _destination,
        };
        install.SetAction(parsed => SelfInstaller.Run(parsed.GetRequiredValue(_destination), parsed.InvocationConfiguration.Error));

        _root = new Command("apisix-plugin-bridge", "The Argo Rollouts traffic-router plugin for APISIX: go-plugin net/rpc from the controller, gRPC to the sidecar. stdout carries the go-plugin handshake line only.")
        {
            _socket, _pluginName, _callTimeout, _noop, install,
        };
        _root.SetAction((parsed, _) => serve(Options(parsed)));
    }

    /// <summary>
    /// Parses as if -h/--help were always there. Creating that option reads System.CommandLine's
    /// resources, a quarter of a millisecond the controller would wait on every start, so it is
    /// added only where it can matter: before the parse when an argument is one of its names
    /// (else <c>install --help</c> would install to a file named --help), and after a parse with
    /// errors, for the usage to be printed with them.
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
        Noop = parsed.GetValue(_noop),
    };

    /// <summary>Help and usage go to <paramref name="stderr"/> too: stdout carries the handshake line and nothing else.</summary>
    public Task<int> InvokeAsync(IReadOnlyList<string> args, TextWriter stderr) =>
        CommandLineRunner.InvokeAsync("apisix-plugin-bridge", Parse(args), stderr, stderr);

    /// <summary>Adds -h/--help unless it is there already; false when it was.</summary>
    private bool AddHelp()
    {
        if (_root.Options.Any(o => o is HelpOption))
        {
            return false;
        }

        _root.Options.Add(new HelpOption());
        return true;
    }

    private static double ParseSeconds(ArgumentResult result)
    {
        var text = result.Tokens[^1].Value;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= MaxCallTimeoutSeconds)
        {
            return seconds;
        }

        result.AddError($"--call-timeout needs a number of seconds in (0, {MaxCallTimeoutSeconds}], got '{text}'");
        return 0;
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
