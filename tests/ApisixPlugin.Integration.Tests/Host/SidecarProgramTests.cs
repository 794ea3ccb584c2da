using System.Xml.Linq;
using ApisixPlugin.Testing;

namespace ApisixPlugin.Integration.Tests.Host;

/// <summary>
/// The real program's command line, where nothing else is set up: no socket folder, no cluster,
/// no kubeconfig. What an operator sees on a first try.
/// </summary>
public sealed class SidecarProgramTests
{
    private static string ReleaseVersion() =>
        XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;

    [Fact]
    public async Task Version_prints_the_version_of_Directory_Build_props_anywhere()
    {
        var (exitCode, output) = await SidecarProcess.RunToExitAsync("--version");

        Assert.Equal(0, exitCode);
        Assert.Equal(ReleaseVersion(), output.Trim());
    }

    [Fact]
    public async Task Help_works_anywhere_and_names_every_switchs_environment_variable()
    {
        var (exitCode, output) = await SidecarProcess.RunToExitAsync("serve", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("--metrics-port <N>", output, StringComparison.Ordinal);
        Assert.Contains("[env: APISIX_PLUGIN_METRICS_PORT]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("does not exist", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--metrics-port", "abc")]
    [InlineData("--grpc-port", "1.5")]
    [InlineData("--max-api-requests", "99999999999")]
    public async Task A_value_that_is_not_a_number_exits_2_naming_the_value_the_setting_and_its_switch(string name, string value)
    {
        var (exitCode, output) = await SidecarProcess.RunToExitAsync("serve", name, value);

        Assert.Equal(2, exitCode);
        Assert.Contains("apisix-plugin: invalid configuration:", output, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", output, StringComparison.Ordinal);
        Assert.Contains($"is {name} or APISIX_PLUGIN_", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public async Task A_bad_number_in_the_environment_variable_exits_2_naming_it()
    {
        var (exitCode, output) = await SidecarProcess.RunToExitAsync(new Dictionary<string, string> { ["APISIX_PLUGIN_METRICS_PORT"] = "abc" }, "serve");

        Assert.Equal(2, exitCode);
        Assert.Contains("'abc' at 'Sidecar:MetricsPort'", output, StringComparison.Ordinal);
        Assert.Contains("APISIX_PLUGIN_METRICS_PORT", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelt_switch_exits_2_with_its_close_match()
    {
        var (exitCode, output) = await SidecarProcess.RunToExitAsync("serve", "--metric-port", "9000");

        Assert.Equal(2, exitCode);
        Assert.Contains("Unrecognized command or argument '--metric-port' (did you mean --metrics-port?)", output, StringComparison.Ordinal);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelt_setting_in_the_Sidecar_section_exits_2_with_its_close_match_instead_of_being_ignored()
    {
        var (exitCode, output) = await SidecarProcess.RunToExitAsync(new Dictionary<string, string> { ["Sidecar__MetricPort"] = "9000" }, "serve");

        Assert.Equal(2, exitCode);
        Assert.Contains("Sidecar:MetricPort is not a setting (did you mean Sidecar:MetricsPort?)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--log-level", "loud")]
    [InlineData("--log-format", "xml")]
    public async Task A_log_setting_outside_its_choices_exits_2_naming_the_choices(string name, string value)
    {
        var (exitCode, output) = await SidecarProcess.RunToExitAsync("serve", name, value);

        Assert.Equal(2, exitCode);
        Assert.Contains(name == "--log-level" ? "Sidecar:LogLevel must be one of trace, debug, info, warn, error" : "Sidecar:LogFormat must be 'json' or 'text'",
            output, StringComparison.Ordinal);
    }
}
