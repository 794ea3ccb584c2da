using ApisixPlugin.Bridge;

namespace ApisixPlugin.GoPlugin.Tests.Bridge;

public sealed class BridgeCommandLineTests
{
    private static readonly BridgeCommandLine CommandLine = new(_ => throw new InvalidOperationException("a bad command line must not serve"));

    private static BridgeOptions Options(params string[] args)
    {
        var parsed = CommandLine.Parse(args);
        Assert.Empty(parsed.Errors);
        return CommandLine.Options(parsed);
    }

    [Fact]
    public void Defaults()
    {
        var options = Options();
        Assert.Equal("/run/apisix-plugin/sidecar.sock", options.SidecarSocket);
        Assert.Equal("apisixplugin/apisix", options.PluginName);
        Assert.Equal(TimeSpan.FromSeconds(30), options.CallTimeout);
        Assert.False(options.Noop);
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
