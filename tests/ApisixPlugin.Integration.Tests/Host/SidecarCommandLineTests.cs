using ApisixPlugin.Sidecar.Hosting;

namespace ApisixPlugin.Integration.Tests.Host;

/// <summary><c>apisix-plugin</c>'s verbs and serve's switches, without starting the host.</summary>
public sealed class SidecarCommandLineTests
{
    private static Task<(int ExitCode, IReadOnlyDictionary<string, string?>? Served, string Output, string Error)> RunAsync(params string[] args) =>
        RunWithEnvironmentAsync(new Dictionary<string, string>(), args);

    /// <summary>With exactly these environment variables, none of the test process's.</summary>
    private static async Task<(int ExitCode, IReadOnlyDictionary<string, string?>? Served, string Output, string Error)> RunWithEnvironmentAsync(
        Dictionary<string, string> environment, params string[] args)
    {
        IReadOnlyDictionary<string, string?>? served = null;
        var commandLine = new SidecarCommandLine(switches =>
        {
            served = switches;
            return Task.FromResult(0);
        }, name => environment.GetValueOrDefault(name));
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

    /// <summary>serve's switches, the environment variable of each, and the configuration key it sets.</summary>
    public static TheoryData<string, string, string> Switches => new()
    {
        { "--socket", "APISIX_PLUGIN_SOCKET", "Sidecar:SocketPath" },
        { "--socket-mode", "APISIX_PLUGIN_SOCKET_MODE", "Sidecar:SocketMode" },
        { "--grpc-port", "APISIX_PLUGIN_GRPC_PORT", "Sidecar:GrpcPort" },
        { "--metrics-port", "APISIX_PLUGIN_METRICS_PORT", "Sidecar:MetricsPort" },
        { "--plugin-name", "APISIX_PLUGIN_PLUGIN_NAME", "Sidecar:PluginName" },
        { "--kubeconfig", "APISIX_PLUGIN_KUBECONFIG", "Sidecar:Kubeconfig" },
        { "--max-api-requests", "APISIX_PLUGIN_MAX_API_REQUESTS", "Sidecar:MaxConcurrentApiRequests" },
        { "--api-request-timeout", "APISIX_PLUGIN_API_REQUEST_TIMEOUT", "Sidecar:ApiRequestTimeoutSeconds" },
        { "--api-retry-budget", "APISIX_PLUGIN_API_RETRY_BUDGET", "Sidecar:ApiRetryBudgetSeconds" },
        { "--log-format", "APISIX_PLUGIN_LOG_FORMAT", "Sidecar:LogFormat" },
        { "--log-level", "APISIX_PLUGIN_LOG_LEVEL", "Sidecar:LogLevel" },
        { "--route-namespaces", "APISIX_PLUGIN_ROUTE_NAMESPACES", "Sidecar:RouteNamespaces" },
        { "--remembered-routes", "APISIX_PLUGIN_REMEMBERED_ROUTES", "Sidecar:RememberedRoutes" },
        { "--events", "APISIX_PLUGIN_EVENTS", "Sidecar:Events" },
        { "--in-progress-label", "APISIX_PLUGIN_IN_PROGRESS_LABEL", "Sidecar:InProgressLabel" },
    };

    /// <summary>Switches the test above does not list would have no proof of their variable: every switch serve has is in it.</summary>
    [Fact]
    public async Task The_switch_list_above_is_every_switch_serve_has()
    {
        var help = await RunAsync("serve", "--help");
        var shown = help.Output.Split('\n').Select(l => l.TrimStart()).Where(l => l.Contains("[env: ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[0]).Order(StringComparer.Ordinal);

        Assert.Equal(Switches.Select(row => (string)row[0]).Order(StringComparer.Ordinal), shown);
    }

    [Theory]
    [MemberData(nameof(Switches))]
    public async Task Every_switch_has_an_environment_variable_and_help_shows_it_with_the_default(string name, string variable, string key)
    {
        var fromVariable = await RunWithEnvironmentAsync(new() { [variable] = "from-env" });
        var fromSwitch = await RunWithEnvironmentAsync(new() { [variable] = "from-env" }, name, "from-switch");
        var help = await RunAsync("serve", "--help");

        Assert.Equal("from-env", fromVariable.Served![key]);
        Assert.Equal("from-switch", fromSwitch.Served![key]);
        var line = Assert.Single(help.Output.Split('\n'), l => l.TrimStart().StartsWith(name + " ", StringComparison.Ordinal));
        Assert.Matches(@"\[default: [^\]]+\] \[env: " + variable + @"\]", line);
    }

    [Fact]
    public async Task The_defaults_help_shows_are_the_options_defaults()
    {
        var help = (await RunAsync("--help")).Output;

        Assert.Contains("[default: 9464] [env: APISIX_PLUGIN_METRICS_PORT]", help, StringComparison.Ordinal);
        Assert.Contains("[default: /run/apisix-plugin/sidecar.sock] [env: APISIX_PLUGIN_SOCKET]", help, StringComparison.Ordinal);
        Assert.Contains("[default: info] [env: APISIX_PLUGIN_LOG_LEVEL]", help, StringComparison.Ordinal);
        Assert.Contains("--log-level <trace|debug|info|warn|error>", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_environment_variable_counts_as_unset()
    {
        var run = await RunWithEnvironmentAsync(new() { ["APISIX_PLUGIN_METRICS_PORT"] = "" });

        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Served!);
    }

    [Theory]
    [InlineData("--metrics-port", "--metric-port", "1")]
    [InlineData("--metrics-port", "--metric-port=1")]
    [InlineData("--log-level", "serve", "--log-lvl", "debug")]
    [InlineData("--route-namespaces", "--route-namespace", "a")]
    [InlineData("simulate", "simulat")]
    public async Task A_misspelt_switch_or_verb_exits_2_naming_it_and_its_close_match(string meant, params string[] args)
    {
        var run = await RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Null(run.Served);
        var typed = args.First(a => a.StartsWith("--", StringComparison.Ordinal) || a == "simulat");
        Assert.Contains($"apisix-plugin: Unrecognized command or argument '{typed}' (did you mean {meant}?)", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task A_name_like_no_switch_gets_no_suggestion()
    {
        var run = await RunAsync("--bogus");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("apisix-plugin: Unrecognized command or argument '--bogus'\n", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("did you mean", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_prints_the_release_version_alone_on_stdout()
    {
        var run = await RunAsync("--version");

        Assert.Equal(0, run.ExitCode);
        Assert.Null(run.Served);
        Assert.Equal($"{ApisixPlugin.Contracts.ProgramVersion.Text}\n", run.Output);
        Assert.Equal("", run.Error);
    }
}
