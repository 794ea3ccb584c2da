using System.Buffers;
using System.Collections.Immutable;
using System.Text.Json;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Weights;
using BenchmarkDotNet.Attributes;

namespace ApisixPlugin.Benchmarks.Translation;

/// <summary>
/// The backends writer's one fast path against its general way, on the same changed rules: what
/// copying a backend's text with the weight swapped in saves over writing it member by member.
/// Public and unsealed because BenchmarkDotNet generates code that uses it.
/// </summary>
[MemoryDiagnoser]
public class BackendsWriterBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 20);
    private ImmutableArray<ChangedRule> _changed;

    [Params(50, 500)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var route = ApisixRouteSnapshot.Parse(BenchmarkRoutes.Route(Rules).ToJsonString());
        var split = BenchmarkRoutes.Split(20);
        _changed = [.. route.Rules().Select(rule => BackendsRewrite.Check(route, rule, split, []))
            .Select(change => change ?? throw new InvalidOperationException("every rule must change, or the benchmark measures nothing"))];

        if (!Write(BackendCopy.TextWithWeightSwapped).SequenceEqual(Write(BackendCopy.MemberByMember)))
        {
            throw new InvalidOperationException("the two ways wrote different bytes");
        }
    }

    [Benchmark(Baseline = true)]
    public int MemberByMember() => Write(BackendCopy.MemberByMember).Length;

    [Benchmark]
    public int TextWithWeightSwapped() => Write(BackendCopy.TextWithWeightSwapped).Length;

    private ReadOnlySpan<byte> Write(BackendCopy copy)
    {
        _buffer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_buffer);
        writer.WriteStartArray(); // as the lists stand in a patch document: inside an array
        foreach (var change in _changed)
        {
            BackendsListWriter.Write(writer, change, copy);
        }

        writer.WriteEndArray();
        writer.Flush();
        return _buffer.WrittenSpan;
    }
}
