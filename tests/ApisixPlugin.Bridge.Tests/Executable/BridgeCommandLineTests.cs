using ApisixPlugin.Bridge;
using ApisixPlugin.GoPlugin.Logging;

namespace ApisixPlugin.Bridge.Tests.Executable;

public sealed class BridgeCommandLineTests
{
    // No environment: the test process's own variables must not reach these parses.
    private static readonly BridgeCommandLine CommandLine = new(_ => throw new InvalidOperationException("a bad command line must not serve"), _ => null);

    private static BridgeOptions Options(params string[] args) => Options(CommandLine, args);

    private static BridgeOptions Options(BridgeCommandLine commandLine, params string[] args)
    {
        var parsed = commandLine.Parse(args);
        Assert.Empty(parsed.Errors);
        return commandLine.Options(parsed);
    }

    /// <summary>A command line that sees exactly these environment variables.</summary>
    private static BridgeCommandLine WithEnvironment(Dictionary<string, string> environment) =>
        new(_ => throw new InvalidOperationException("must not serve"), name => environment.GetValueOrDefault(name));

    [Fact]
    public void Defaults()
    {
        var options = Options();
        Assert.Equal("/run/apisix-plugin/sidecar.sock", options.SidecarSocket);
        Assert.Equal("apisixplugin/apisix", options.PluginName);
        Assert.Equal(TimeSpan.FromSeconds(30), options.CallTimeout);
        Assert.Equal(PluginLogLevel.Info, options.LogLevel);
        Assert.False(options.Noop);
    }

    [Fact]
    public void Every_option_has_an_environment_variable_that_the_option_overrides()
    {
        var environment = new Dictionary<string, string>
        {
            ["APISIX_PLUGIN_BRIDGE_SOCKET"] = "/env.sock",
            ["APISIX_PLUGIN_BRIDGE_PLUGIN_NAME"] = "env/name",
            ["APISIX_PLUGIN_BRIDGE_CALL_TIMEOUT"] = "4.5",
            ["APISIX_PLUGIN_BRIDGE_LOG_LEVEL"] = "debug",
            ["APISIX_PLUGIN_BRIDGE_NOOP"] = "true",
        };

        var fromEnvironment = Options(WithEnvironment(environment));
        var fromOptions = Options(WithEnvironment(environment), "--socket", "/arg.sock", "--plugin-name", "arg/name", "--call-timeout", "6", "--log-level", "error");

        Assert.Equal(("/env.sock", "env/name", TimeSpan.FromSeconds(4.5), PluginLogLevel.Debug, true),
            (fromEnvironment.SidecarSocket, fromEnvironment.PluginName, fromEnvironment.CallTimeout, fromEnvironment.LogLevel, fromEnvironment.Noop));
        Assert.Equal(("/arg.sock", "arg/name", TimeSpan.FromSeconds(6), PluginLogLevel.Error),
            (fromOptions.SidecarSocket, fromOptions.PluginName, fromOptions.CallTimeout, fromOptions.LogLevel));
    }

    [Fact]
    public void An_empty_environment_variable_counts_as_unset()
    {
        var options = Options(WithEnvironment(new() { ["APISIX_PLUGIN_BRIDGE_CALL_TIMEOUT"] = "", ["APISIX_PLUGIN_BRIDGE_SOCKET"] = "" }));

        Assert.Equal((TimeSpan.FromSeconds(30), "/run/apisix-plugin/sidecar.sock"), (options.CallTimeout, options.SidecarSocket));
    }

    [Theory]
    [InlineData("APISIX_PLUGIN_BRIDGE_CALL_TIMEOUT", "abc", "a number of seconds in (0, 3600]")]
    [InlineData("APISIX_PLUGIN_BRIDGE_CALL_TIMEOUT", "0", "a number of seconds in (0, 3600]")]
    [InlineData("APISIX_PLUGIN_BRIDGE_LOG_LEVEL", "loud", "one of trace, debug, info, warn, error")]
    [InlineData("APISIX_PLUGIN_BRIDGE_NOOP", "yes", "true or false")]
    public void A_bad_environment_variable_is_an_error_naming_it(string variable, string value, string needs)
    {
        var error = Assert.Single(WithEnvironment(new() { [variable] = value }).Parse([]).Errors);

        Assert.Equal($"{variable} needs {needs}, got '{value}'", error.Message);
    }

    [Fact]
    public void The_option_given_wins_over_a_bad_environment_variable()
    {
        var options = Options(WithEnvironment(new() { ["APISIX_PLUGIN_BRIDGE_CALL_TIMEOUT"] = "abc" }), "--call-timeout", "3");

        Assert.Equal(TimeSpan.FromSeconds(3), options.CallTimeout);
    }

    [Theory]
    [InlineData("trace", "Trace")]
    [InlineData("DEBUG", "Debug")]
    [InlineData("warning", "Warn")]
    [InlineData("error", "Error")]
    public void Log_level_takes_hclogs_level_names(string text, string level)
    {
        Assert.Equal(level, Options("--log-level", text).LogLevel.ToString());
    }

    [Theory]
    [InlineData("--socket", "APISIX_PLUGIN_BRIDGE_SOCKET", "[default: /run/apisix-plugin/sidecar.sock]")]
    [InlineData("--plugin-name", "APISIX_PLUGIN_BRIDGE_PLUGIN_NAME", "[default: apisixplugin/apisix]")]
    [InlineData("--call-timeout", "APISIX_PLUGIN_BRIDGE_CALL_TIMEOUT", "[default: 30]")]
    [InlineData("--log-level", "APISIX_PLUGIN_BRIDGE_LOG_LEVEL", "[default: info]")]
    [InlineData("--noop", "APISIX_PLUGIN_BRIDGE_NOOP", "")]
    public async Task Help_shows_each_options_environment_variable_and_default(string name, string variable, string shownDefault)
    {
        var commandLine = new BridgeCommandLine(_ => throw new InvalidOperationException("help must not serve"), _ => null);
        using var stderr = new StringWriter();

        Assert.Equal(0, await commandLine.InvokeAsync(["--help"], stderr));

        var line = Assert.Single(stderr.ToString().Split('\n'), l => l.TrimStart().StartsWith(name + " ", StringComparison.Ordinal));
        Assert.Contains($"[env: {variable}]", line, StringComparison.Ordinal);
        Assert.Contains(shownDefault, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--call-timout", "--call-timeout", "--call-timout", "5")]
    [InlineData("--sockt", "--socket", "--sockt=/s.sock")]
    [InlineData("--log-lvl", "--log-level", "--log-lvl", "debug")]
    [InlineData("instal", "install", "instal", "/x")]
    public async Task A_misspelt_option_or_command_exits_2_naming_it_and_its_close_match(string typed, string meant, params string[] args)
    {
        var commandLine = new BridgeCommandLine(_ => throw new InvalidOperationException("must not serve"), _ => null);
        using var stderr = new StringWriter();

        Assert.Equal(2, await commandLine.InvokeAsync(args, stderr));

        Assert.Contains($"apisix-plugin-bridge: Unrecognized command or argument '{(args[0].Contains('=', StringComparison.Ordinal) ? args[0] : typed)}' (did you mean {meant}?)",
            stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_prints_the_release_version_alone_on_stdout_and_help_stays_on_stderr()
    {
        var commandLine = new BridgeCommandLine(_ => throw new InvalidOperationException("--version must not serve"), _ => null);
        using var stdout = new StringWriter { NewLine = "\n" };
        using var stderr = new StringWriter();

        Assert.Equal(0, await commandLine.InvokeAsync(["--version"], stdout, stderr));

        Assert.Equal($"{ApisixPlugin.Contracts.ProgramVersion.Text}\n", stdout.ToString());
        Assert.Equal("", stderr.ToString());
    }

    [Fact]
    public void Separate_and_inline_values()
    {
        var options = Options("--socket", "/s.sock", "--plugin-name=x/y", "--call-timeout", "2.5", "--noop");
        Assert.Equal(("/s.sock", "x/y", TimeSpan.FromSeconds(2.5), true), (options.SidecarSocket, options.PluginName, options.CallTimeout, options.Noop));
    }

    [Fact]
    public void A_repeated_option_takes_the_last_value()
    {
        var options = Options("--socket", "/first.sock", "--call-timeout", "5", "--socket", "/second.sock", "--call-timeout=7");
        Assert.Equal(("/second.sock", TimeSpan.FromSeconds(7)), (options.SidecarSocket, options.CallTimeout));
    }

    [Theory]
    [InlineData("Required argument missing for option: '--socket'", "--socket")]
    [InlineData("Required argument missing for option: '--socket'", "--socket=")]
    [InlineData("--socket must not be empty", "--socket", "")]
    [InlineData("--plugin-name must not be empty", "--plugin-name", "")]
    [InlineData("--call-timeout needs a number of seconds in (0, 3600], got '0'", "--call-timeout=0")]
    [InlineData("--call-timeout needs a number of seconds in (0, 3600], got '3601'", "--call-timeout=3601")]
    [InlineData("--call-timeout needs a number of seconds in (0, 3600], got 'abc'", "--call-timeout=abc")]
    [InlineData("Unrecognized command or argument '--verbose'", "--verbose")]
    public void Errors_say_what_is_wrong(string message, params string[] args)
    {
        var error = Assert.Single(CommandLine.Parse(args).Errors);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--call-timeout", "-1")]
    [InlineData("install")]
    [InlineData("install", "a", "b")]
    public async Task A_bad_command_line_exits_2_with_the_reason_and_the_usage_on_stderr(params string[] args)
    {
        using var stderr = new StringWriter();
        Assert.Equal(2, await CommandLine.InvokeAsync(args, stderr));
        Assert.Contains("Usage:", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("apisix-plugin-bridge [command] [options]", "--help")]
    [InlineData("apisix-plugin-bridge [command] [options]", "-h")]
    [InlineData("apisix-plugin-bridge install <destination-file> [options]", "install", "--help")]
    [InlineData("apisix-plugin-bridge install <destination-file> [options]", "install", "-?")]
    public async Task Help_exits_0_without_serving(string usage, params string[] args)
    {
        // A fresh command line each: help is added only when a command line asks for it.
        var commandLine = new BridgeCommandLine(_ => throw new InvalidOperationException("help must not serve"));
        using var stderr = new StringWriter();
        Assert.Equal(0, await commandLine.InvokeAsync(args, stderr));
        Assert.Contains(usage, stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Good_options_reach_the_serve_action()
    {
        BridgeOptions? served = null;
        var commandLine = new BridgeCommandLine(options => { served = options; return Task.FromResult(7); });
        Assert.Equal(7, await commandLine.InvokeAsync(["--noop", "--plugin-name", "x/y"], TextWriter.Null));
        Assert.Equal(("x/y", true), (served!.PluginName, served.Noop));
    }
}
