using System.Text.Json.Nodes;
using ApisixPlugin.Kubernetes.Manifests;
using ApisixPlugin.Sidecar.Simulation;

namespace ApisixPlugin.Integration.Tests.Simulation;

/// <summary>YAML in as kubectl reads it; YAML out that reads back to the same JSON.</summary>
public sealed class YamlJsonConversionTests
{
    [Theory]
    [InlineData("20", "20")]
    [InlineData("\"20\"", "\"20\"")]
    [InlineData("'20'", "\"20\"")]
    [InlineData("-7", "-7")]
    [InlineData("0x1F", "31")]
    [InlineData("0o17", "15")]
    [InlineData("1_000", "1000")]
    [InlineData("1.5", "1.5")]
    [InlineData("true", "true")]
    [InlineData("yes", "true")]
    [InlineData("off", "false")]
    [InlineData("'yes'", "\"yes\"")]
    [InlineData("~", "null")]
    [InlineData("null", "null")]
    [InlineData("", "null")]
    [InlineData("!!str 5", "\"5\"")]
    [InlineData("!!int \"5\"", "5")]
    [InlineData("/*", "\"/*\"")]
    [InlineData("debug", "\"debug\"")]
    [InlineData("1.2.3", "\"1.2.3\"")]
    [InlineData("[1, \"a\", {b: c}]", "[1,\"a\",{\"b\":\"c\"}]")]
    public void A_value_becomes_the_JSON_kubectl_would_send(string yaml, string json)
    {
        var document = ManifestYaml.ReadDocuments($"v: {yaml}\n", "test").Single();

        Assert.Equal($"{{\"v\":{json}}}", document.ToJsonString());
    }

    [Fact]
    public void Key_order_follows_the_source()
    {
        var document = ManifestYaml.ReadDocuments("z: 1\na: 2\nm: 3\n", "test").Single();

        Assert.Equal(["z", "a", "m"], document.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void A_duplicate_key_or_a_NaN_is_an_input_error_naming_the_file()
    {
        var duplicate = Assert.ThrowsAny<Exception>(() => ManifestYaml.ReadDocuments("a: 1\na: 2\n", "dup.yaml"));
        Assert.Contains("dup.yaml", duplicate.Message, StringComparison.Ordinal);
        var nan = Assert.Throws<ManifestYamlException>(() => ManifestYaml.ReadDocuments("a: .nan\n", "nan.yaml"));
        Assert.Contains("nan.yaml", nan.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_documents_are_left_out()
    {
        var documents = ManifestYaml.ReadDocuments("---\na: 1\n---\n---\nb: 2\n", "test");

        Assert.Equal(2, documents.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("true")]
    [InlineData("yes")]
    [InlineData("80")]
    [InlineData("0x10")]
    [InlineData("1e3")]
    [InlineData("null")]
    [InlineData("~")]
    [InlineData("a: b")]
    [InlineData("a #b")]
    [InlineData("#x")]
    [InlineData("- x")]
    [InlineData("-x")]
    [InlineData(" lead")]
    [InlineData("trail ")]
    [InlineData("line\nbreak")]
    [InlineData("tab\there")]
    [InlineData("quote\"and\\slash")]
    [InlineData("ends:")]
    [InlineData("*")]
    [InlineData("^\\/api")]
    [InlineData("héllo")]
    public void A_printed_string_reads_back_as_the_same_string(string text)
    {
        var original = new JsonObject { [text] = text, ["list"] = new JsonArray(text, new JsonArray(text), new JsonObject()) };

        var yaml = JsonToYaml.Write(original);
        var back = ManifestYaml.ReadDocuments(yaml, "printed").Single();

        Assert.Equal(original.ToJsonString(), back.ToJsonString());
    }

    [Fact]
    public void Nested_lists_and_maps_use_the_example_files_layout()
    {
        var route = JsonNode.Parse("""{"spec":{"http":[{"name":"r","backends":[{"serviceName":"s","weight":80}],"empty":[]}]}}""");

        Assert.Equal("""
            spec:
              http:
                - name: r
                  backends:
                    - serviceName: s
                      weight: 80
                  empty: []

            """.Replace("\r\n", "\n", StringComparison.Ordinal), JsonToYaml.Write(route));
    }
}
