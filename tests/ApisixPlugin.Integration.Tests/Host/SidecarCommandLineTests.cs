using ApisixPlugin.Sidecar.Hosting;

namespace ApisixPlugin.Integration.Tests.Host;

/// <summary><c>apisix-plugin</c>'s verbs and serve's switches, without starting the host.</summary>
public sealed class SidecarCommandLineTests
{
    private static async Task<(int ExitCode, IReadOnlyDictionary<string, string?>? Served, string Output, string Error)> RunAsync(params string[] args)
    {
        IReadOnlyDictionary<string, string?>? served = null;
        var commandLine = new SidecarCommandLine(switches =>
        {
            served = switches;
            return Task.FromResult(0);
        });
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var exitCode = await commandLine.InvokeAsync(args, output, error);
        return (exitCode, served, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("serve")]
    [InlineData]
    public async Task Serve_is_the_default_verb(params string[] args)
    {
        var run = await RunAsync([.. args, "--socket", "/s.sock"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("/s.sock", run.Served!["Sidecar:SocketPath"]);
    }

    [Fact]
    public async Task Switches_become_configuration_keys_only_when_given_and_the_last_one_wins()
    {
        var run = await RunAsync("serve", "--metrics-port", "0", "--log-format", "json", "--api-retry-budget=3", "--log-format", "text");

        Assert.Equal(0, run.ExitCode);
        // Switches left out are left to environment variables and appsettings.json.
        Assert.Equal(new Dictionary<string, string?>
        {
            ["Sidecar:MetricsPort"] = "0",
            ["Sidecar:LogFormat"] = "text",
            ["Sidecar:ApiRetryBudgetSeconds"] = "3",
        }, run.Served);
    }

    [Fact]
    public async Task A_bad_value_is_left_to_the_options_validation_at_start()
    {
        // SidecarOptions names the option and its range; the parser only passes the text on.
        var run = await RunAsync("serve", "--metrics-port", "70000");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("70000", run.Served!["Sidecar:MetricsPort"]);
    }

    [Theory]
    [InlineData("serve", "--bogus")]
    [InlineData("--bogus")]
    [InlineData("bogus")]
    [InlineData("serve", "--socket")]
    [InlineData("serve", "--socket", "/a", "/b")]
    public async Task A_bad_command_line_exits_2_with_the_usage_on_stderr_and_does_not_serve(params string[] args)
    {
        var run = await RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Null(run.Served);
        Assert.Contains("Usage:\n  apisix-plugin", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task Help_lists_the_verbs_and_the_switches_on_stdout()
    {
        var run = await RunAsync("--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Null(run.Served);
        Assert.Contains("simulate", run.Output, StringComparison.Ordinal);
        Assert.Contains("--route-namespaces <NS,...>", run.Output, StringComparison.Ordinal);
        Assert.Equal("", run.Error);
    }
}
