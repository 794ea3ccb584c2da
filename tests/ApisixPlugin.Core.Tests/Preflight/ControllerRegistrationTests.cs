using System.Text.Json.Nodes;
using ApisixPlugin.Core.Preflight;

namespace ApisixPlugin.Core.Tests.Preflight;

/// <summary>argo-rollouts-config's trafficRouterPlugins, as read: the plugin's entry, its location and its socket argument.</summary>
public sealed class ControllerRegistrationTests
{
    private const string Plugin = "apisixplugin/apisix";
    private const string Socket = "/run/apisix-plugin/sidecar.sock";

    private static PreflightFinding Check(string? pluginsJson, bool hasKey = true, string? yamlError = null) =>
        ControllerRegistration.Check(Plugin, Socket,
            new ControllerConfigRead.Found("argo-rollouts", "argo-rollouts-config", pluginsJson is null ? null : JsonNode.Parse(pluginsJson), yamlError, hasKey));

    [Fact]
    public void The_entry_deploy_registers_passes_and_is_shown()
    {
        var finding = Check($$"""[{"name":"argoproj-labs/gatewayAPI","location":"https://example.com/g"},{"name":"{{Plugin}}","location":"file:///opt/apisix-plugin/apisix-plugin-bridge","args":["--socket","{{Socket}}"]}]""");

        Assert.Equal(FindingStatus.Pass, finding.Status);
        Assert.Equal($"configmap argo-rollouts/argo-rollouts-config trafficRouterPlugins[1]: '{Plugin}' at file:///opt/apisix-plugin/apisix-plugin-bridge, args [--socket, {Socket}]", finding.Message);
    }

    [Theory]
    [InlineData("""[{"name":"argoproj-labs/gatewayAPI","location":"https://example.com/g"}]""", "no entry named 'apisixplugin/apisix' (it lists 'argoproj-labs/gatewayAPI')")]
    [InlineData("[]", "no entry named 'apisixplugin/apisix' (the list is empty)")]
    [InlineData("""[{"name":"apisixplugin/apisix"}]""", "trafficRouterPlugins[0] ('apisixplugin/apisix'): location is missing")]
    [InlineData("""[{"name":"apisixplugin/apisix","location":"/opt/bridge"}]""", "location '/opt/bridge' is neither a file:// path nor an http(s):// URL")]
    [InlineData("""[{"name":"apisixplugin/apisix","location":"file:///b"},{"name":"apisixplugin/apisix","location":"file:///c"}]""", "'apisixplugin/apisix' is listed 2 times (entries 0, 1)")]
    [InlineData("""[{"name":"apisixplugin/apisix","location":"file:///b","args":"--socket"}]""", "args must be a list of strings, not \"--socket\"")]
    [InlineData("""{"name":"apisixplugin/apisix"}""", "must be a list of entries with name and location, not an object")]
    public void A_registration_the_controller_cannot_load_fails_naming_the_field(string plugins, string message)
    {
        var finding = Check(plugins);

        Assert.Equal(FindingStatus.Fail, finding.Status);
        Assert.Contains(message, finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configmap_without_the_key_fails_and_says_what_to_add()
    {
        var finding = Check(null, hasKey: false);

        Assert.Equal(FindingStatus.Fail, finding.Status);
        Assert.Contains("has no trafficRouterPlugins", finding.Message, StringComparison.Ordinal);
        Assert.Contains($"{{name: {Plugin}, location: file:///opt/apisix-plugin/apisix-plugin-bridge, args: [--socket, {Socket}]}}", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_socket_only_warns_and_names_both()
    {
        var finding = Check($$"""[{"name":"{{Plugin}}","location":"file:///b","args":["--socket=/tmp/s.sock"]}]""");

        Assert.Equal(FindingStatus.Warn, finding.Status);
        Assert.Contains($"the bridge connects to /tmp/s.sock, not the default {Socket}", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreadable_configmap_warns_with_the_reason_and_a_missing_one_fails()
    {
        var unreadable = ControllerRegistration.Check(Plugin, Socket, new ControllerConfigRead.Unreadable("argo-rollouts", "argo-rollouts-config", "missing permission: get configmaps in namespace argo-rollouts"));
        var missing = ControllerRegistration.Check(Plugin, Socket, new ControllerConfigRead.NotFound("argo-rollouts", "argo-rollouts-config"));

        Assert.Equal(FindingStatus.Warn, unreadable.Status);
        Assert.Contains("missing permission: get configmaps in namespace argo-rollouts", unreadable.Message, StringComparison.Ordinal);
        Assert.Equal(FindingStatus.Fail, missing.Status);
        Assert.Contains("configmap argo-rollouts/argo-rollouts-config does not exist", missing.Message, StringComparison.Ordinal);
    }
}
