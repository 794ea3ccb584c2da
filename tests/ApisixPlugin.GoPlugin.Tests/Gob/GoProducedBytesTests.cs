using System.Text.Json;
using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Testing;
using ApisixPlugin.GoPlugin.Tests.Support;

namespace ApisixPlugin.GoPlugin.Tests.Gob;

/// <summary>Decodes bytes written by Go's own encoding/gob and net/rpc (tests/goplugin-peer gobdump).</summary>
public sealed class GoProducedBytesTests
{
    public static TheoryData<string> DumpNames()
    {
        var data = new TheoryData<string>();
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoPeerDump.Directory, "index.json")));
        foreach (var name in index.RootElement.EnumerateArray().Select(n => n.GetString()!).Distinct())
        {
            if (name != "gob-deep-10000")
            {
                data.Add(name);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(DumpNames))]
    public void Every_part_decodes_to_the_value_Go_encoded(string name)
    {
        using var description = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoPeerDump.Directory, name + ".json")));
        var root = description.RootElement;
        var kind = root.GetProperty("kind").GetString();
        var bytes = File.ReadAllBytes(Path.Combine(GoPeerDump.Directory, root.GetProperty("file").GetString()!));
        var decoder = new GobStreamDecoder(new MemoryStream(bytes));
        var index = 0;
        foreach (var part in root.GetProperty("parts").EnumerateArray())
        {
            var where = $"{name} part {index++} ({part.GetProperty("goType").GetString()})";
            if (kind != "gob")
            {
                var header = decoder.DecodeNext();
                Assert.NotNull(header);
                Assert.Equal(part.GetProperty("serviceMethod").GetString(), header.Field("ServiceMethod")?.AsString());
                var seq = part.TryGetProperty("seq", out var s) ? s.GetUInt64() : 0;
                Assert.Equal(seq, header.Field("Seq")?.AsUint64() ?? 0);
                var error = part.TryGetProperty("error", out var e) ? e.GetString() : "";
                Assert.Equal(error, header.Field("Error")?.AsString() ?? "");
            }
            var value = decoder.DecodeNext();
            Assert.NotNull(value);
            GoJsonComparer.AssertMatches(part.GetProperty("value"), value, where);
        }
        Assert.Null(decoder.DecodeNext());
    }

    [Fact]
    public void A_legal_Go_list_10000_deep_is_refused_with_a_clear_error()
    {
        var bytes = File.ReadAllBytes(Path.Combine(GoPeerDump.Directory, "gob-deep-10000.bin"));
        var error = Assert.Throws<GobException>(() => new GobStreamDecoder(new MemoryStream(bytes)).DecodeNext());
        Assert.Contains("nested deeper than 100", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_big_argument_over_256_KiB_decodes_whole()
    {
        var bytes = File.ReadAllBytes(Path.Combine(GoPeerDump.Directory, "netrpc-client-SetWeight-big.bin"));
        Assert.True(bytes.Length > 256 * 1024);
        var decoder = new GobStreamDecoder(new MemoryStream(bytes));
        Assert.Equal("Plugin.SetWeight", decoder.DecodeNext()!.Field("ServiceMethod")!.AsString());
        var args = decoder.DecodeNext()!;
        Assert.Equal("SetWeightAndVerifyWeightArgs", args.TypeName);
        Assert.NotEmpty(args.Path("Rollout", "ObjectMeta", "Name")!.AsString());
    }
}
