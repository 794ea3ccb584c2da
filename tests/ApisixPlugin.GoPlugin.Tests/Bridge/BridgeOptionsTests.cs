using ApisixPlugin.Bridge;

namespace ApisixPlugin.GoPlugin.Tests.Bridge;

public sealed class BridgeOptionsTests
{
    [Fact]
    public void Defaults()
    {
        var options = BridgeOptions.Parse([], out _)!;
        Assert.Equal("/run/apisix-plugin/sidecar.sock", options.SidecarSocket);
        Assert.Equal("apisixplugin/apisix", options.PluginName);
        Assert.Equal(TimeSpan.FromSeconds(30), options.CallTimeout);
        Assert.False(options.Noop);
    }

    [Fact]
    public void Separate_and_inline_values()
    {
        var options = BridgeOptions.Parse(["--socket", "/s.sock", "--plugin-name=x/y", "--call-timeout", "2.5", "--noop"], out _)!;
        Assert.Equal(("/s.sock", "x/y", TimeSpan.FromSeconds(2.5), true), (options.SidecarSocket, options.PluginName, options.CallTimeout, options.Noop));
    }

    [Theory]
    [InlineData("--socket", "--socket needs a value")]
    [InlineData("--call-timeout=0", "--call-timeout needs a number")]
    [InlineData("--call-timeout=abc", "--call-timeout needs a number")]
    [InlineData("--verbose", "unknown argument '--verbose'")]
    public void Errors_say_what_is_wrong(string arg, string message)
    {
        Assert.Null(BridgeOptions.Parse([arg], out var error));
        Assert.StartsWith(message, error, StringComparison.Ordinal);
    }
}
