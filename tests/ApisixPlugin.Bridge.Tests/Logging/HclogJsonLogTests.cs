using System.Text.Json;
using System.Text.RegularExpressions;
using ApisixPlugin.Bridge.Logging;
using ApisixPlugin.GoPlugin.Logging;

namespace ApisixPlugin.Bridge.Tests.Logging;

public sealed class HclogJsonLogTests
{
    [Fact]
    public void One_json_line_with_hclogs_keys_and_the_fields()
    {
        var output = new MemoryStream();
        var log = new HclogJsonLog(output, PluginLogLevel.Info);
        log.Write(PluginLogLevel.Debug, "hidden");
        log.Write(PluginLogLevel.Warn, "sidecar slow", ("method", "Plugin.SetWeight"), ("stream", 7u), ("duration", TimeSpan.FromMilliseconds(1.5)));
        var text = System.Text.Encoding.UTF8.GetString(output.ToArray());
        var line = Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var json = JsonDocument.Parse(line).RootElement;
        Assert.Equal("warn", json.GetProperty("@level").GetString());
        Assert.Equal("sidecar slow", json.GetProperty("@message").GetString());
        // go-plugin parses exactly this layout: "2006-01-02T15:04:05.000000Z07:00".
        Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"), json.GetProperty("@timestamp").GetString());
        Assert.Equal("Plugin.SetWeight", json.GetProperty("method").GetString());
        Assert.Equal(7, json.GetProperty("stream").GetInt32());
        Assert.Equal(1.5, json.GetProperty("duration").GetDouble());
    }
}
