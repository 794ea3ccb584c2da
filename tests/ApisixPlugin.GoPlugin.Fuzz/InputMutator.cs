using System.Buffers.Binary;

namespace ApisixPlugin.GoPlugin.Fuzz;

/// <summary>
/// A small deterministic mutator for runs without afl-fuzz (the test suite's bounded run, the
/// <c>run</c> command): the usual havoc steps, plus the ones that matter to these formats —
/// gob's variable-length numbers set to extremes, yamux headers' lengths and flags changed,
/// chunks of one seed spliced into another.
/// </summary>
public sealed class InputMutator(int seed)
{
    /// <summary>Inputs grow no larger than this, so a run stays fast.</summary>
    public const int MaxInputBytes = 1024 * 1024;

    private static readonly byte[] Interesting = [0x00, 0x01, 0x02, 0x7f, 0x80, 0xf8, 0xfc, 0xfe, 0xff];
    private readonly Random _random = new(seed);

    public byte[] Mutate(byte[] input, IReadOnlyList<byte[]> others)
    {
        var bytes = new List<byte>(input);
        var steps = 1 + _random.Next(4);
        for (var i = 0; i < steps; i++)
        {
            Step(bytes, others);
        }
        if (bytes.Count > MaxInputBytes)
        {
            bytes.RemoveRange(MaxInputBytes, bytes.Count - MaxInputBytes);
        }
        return [.. bytes];
    }

    private void Step(List<byte> bytes, IReadOnlyList<byte[]> others)
    {
        if (bytes.Count == 0)
        {
            bytes.Add(Interesting[_random.Next(Interesting.Length)]);
            return;
        }
        var at = _random.Next(bytes.Count);
        switch (_random.Next(9))
        {
            case 0:
                bytes[at] ^= (byte)(1 << _random.Next(8));
                break;
            case 1:
                bytes[at] = Interesting[_random.Next(Interesting.Length)];
                break;
            case 2:
                bytes[at] = (byte)_random.Next(256);
                break;
            case 3:
                bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + _random.Next(16)));
                break;
            case 4:
                bytes.InsertRange(at, RandomBytes(1 + _random.Next(16)));
                break;
            case 5:
                // A chunk repeated: counts, nesting and frames multiplied.
                var length = Math.Min(bytes.Count - at, 1 + _random.Next(64));
                var chunk = bytes.GetRange(at, length);
                for (var copies = 1 + _random.Next(8); copies > 0; copies--)
                {
                    bytes.InsertRange(at, chunk);
                }
                break;
            case 6:
                // A gob number at its extreme: a byte-count prefix and the bytes after it.
                var big = new byte[1 + _random.Next(1, 9)];
                big[0] = (byte)(256 - (big.Length - 1));
                _random.NextBytes(big.AsSpan(1));
                bytes.InsertRange(at, big);
                break;
            case 7:
                // Four bytes read as a big-endian 32-bit length or id, nudged or set to an extreme.
                if (at + 4 <= bytes.Count)
                {
                    Span<byte> word = stackalloc byte[4];
                    for (var k = 0; k < 4; k++)
                    {
                        word[k] = bytes[at + k];
                    }
                    var value = BinaryPrimitives.ReadUInt32BigEndian(word);
                    value = _random.Next(3) switch { 0 => value + (uint)_random.Next(-16, 17), 1 => uint.MaxValue - (uint)_random.Next(16), _ => (uint)_random.Next(1 << 20) };
                    BinaryPrimitives.WriteUInt32BigEndian(word, value);
                    for (var k = 0; k < 4; k++)
                    {
                        bytes[at + k] = word[k];
                    }
                }
                break;
            default:
                if (others.Count > 0)
                {
                    var other = others[_random.Next(others.Count)];
                    if (other.Length > 0)
                    {
                        var from = _random.Next(other.Length);
                        bytes.InsertRange(at, other.AsSpan(from, Math.Min(other.Length - from, 1 + _random.Next(512))).ToArray());
                    }
                }
                break;
        }
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }
}
