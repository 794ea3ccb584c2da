using ApisixPlugin.Core.Json;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Tests.Properties;
using CsCheck;

namespace ApisixPlugin.Core.Tests.Patching;

/// <summary>
/// The patch document is written by copying element text that needs no re-encoding. That shortcut
/// must give exactly the bytes of writing every value token by token, whatever the route's text
/// looks like.
/// </summary>
public sealed class PatchBytesTests
{
    [Fact]
    public void Patch_bytes_equal_writing_every_value_token_by_token()
    {
        ScenarioGen.Scenarios.Sample(s =>
        {
            var (_, before) = s.Call(s.First).Run(s.Route);

            // As this code's writer prints it (escaped, compact), and as other clients may: raw
            // UTF-8 and HTML characters unescaped, compact or indented.
            foreach (var route in new[] { before, Reprinted(before, indented: false), Reprinted(before, indented: true) })
            {
                var patch = s.Call(s.Second).Plan(route);
                Assert.Equal(TokenByToken(patch), patch.ToJsonPatch());
            }
        }, iter: 400);
    }

    private static ApisixRouteSnapshot Reprinted(ApisixRouteSnapshot route, bool indented)
    {
        var options = new JsonSerializerOptions { WriteIndented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        return ApisixRouteSnapshot.Parse(JsonNode.Parse(route.Json.GetRawText())!.ToJsonString(options));
    }

    /// <summary>
    /// The reference: each value read back as an element and written by
    /// <see cref="JsonElement.WriteTo"/>, a test's by <see cref="GoJsonText.Of"/>. Naming the default encoder explicitly keeps the writer's
    /// output the same while turning the copying shortcut off.
    /// </summary>
    private static byte[] TokenByToken(RoutePatch patch)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.Default }))
        {
            writer.WriteStartArray();
            foreach (var op in patch.Operations)
            {
                writer.WriteStartObject();
                writer.WriteString("op", op.OpName);
                writer.WriteString("path", op.Path);
                if (op.Value is { } value)
                {
                    writer.WritePropertyName("value");
                    if (op.Op == PatchOp.Test)
                    {
                        // A test value is compared by its bytes, so it is sent as Go writes it.
                        writer.WriteRawValue(GoJsonText.Of(value));
                    }
                    else
                    {
                        value.WriteTo(writer);
                    }
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return stream.ToArray();
    }
}
