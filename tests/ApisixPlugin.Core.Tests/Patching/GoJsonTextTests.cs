using System.Text.Json;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Core.Patching;

namespace ApisixPlugin.Core.Tests.Patching;

/// <summary>A test value is written as Go's encoding/json writes it, byte for byte, whatever text it came from.</summary>
public sealed class GoJsonTextTests
{
    [Theory]
    [InlineData("\"plain-name_1.2\"", "\"plain-name_1.2\"")]
    [InlineData("\"\\u8BA2\\u5355 'x' + `y`\"", "\"订单 'x' + `y`\"")]
    [InlineData("\"<a & b>\"", "\"\\u003ca \\u0026 b\\u003e\"")]
    [InlineData("\"q\\\" s\\\\ \\n\\t\\r \\u0001 \\u2028\"", "\"q\\\" s\\\\ \\n\\t\\r \\u0001 \\u2028\"")]
    [InlineData("{ \"k+\" : [ 1, 2.50, true, null, \"\\u00e9\" ] }", "{\"k+\":[1,2.50,true,null,\"é\"]}")]
    public void Writes_the_bytes_Go_writes(string json, string go)
    {
        var element = JsonDocument.Parse(json).RootElement;

        Assert.Equal(go, GoJsonText.Of(element));
        Assert.Contains($"\"value\":{go}", new RoutePatch("ns", "r", [PatchOperation.Test("/x", element)]).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_test_values_are_written_the_Go_way()
    {
        var element = JsonDocument.Parse("\"订单\"").RootElement;

        var patch = new RoutePatch("ns", "r", [PatchOperation.Replace("/y", element)]).ToString();

        Assert.Contains("\"value\":\"\\u8BA2\\u5355\"", patch, StringComparison.Ordinal);
    }
}
