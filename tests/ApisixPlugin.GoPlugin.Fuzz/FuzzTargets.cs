using ApisixPlugin.GoPlugin.Gob;
using ApisixPlugin.GoPlugin.Yamux;

namespace ApisixPlugin.GoPlugin.Fuzz;

/// <summary>
/// The entry points a fuzzer drives. Each consumes one input whole; an exception it lets escape
/// is a finding: the readers may refuse input only with their own protocol errors.
/// </summary>
public static class FuzzTargets
{
    /// <summary>Streams of a yamux input whose bytes are decoded as gob: go-plugin's control stream and the first few more.</summary>
    private const int StreamsDecoded = 4;

    /// <summary>Names the targets for the command line.</summary>
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["gob"] = Gob,
        ["gob-shaped"] = GobShaped,
        ["yamux"] = Yamux,
    };

    /// <summary>One gob stream, as a net/rpc server reads it: every value until the stream ends.</summary>
    public static void Gob(byte[] input) => _ = DecodeAll(input, _ => GobShape.All);

    /// <summary>Keeps a few fields of a Rollout argument, as the bridge's does, and drops the rest.</summary>
    private static readonly GobShape ArgumentShape =
        GobShape.AllWith(("Rollout", GobShape.Only(("ObjectMeta", GobShape.Only("Name", "Namespace")), ("Spec", GobShape.Only("Strategy")))));

    /// <summary>
    /// One gob stream as the bridge's net/rpc server reads it: headers whole, arguments in a shape,
    /// so that most of each value goes through the path that parses without building. Decoded
    /// whole as well: where that succeeds, the shaped decoding must too, value for value, each
    /// reading as much of its messages (dropping skips no check; it only builds less).
    /// </summary>
    public static void GobShaped(byte[] input)
    {
        var whole = DecodeAll(input, _ => GobShape.All);
        var shaped = DecodeAll(input, index => index % 2 == 0 ? GobShape.All : ArgumentShape);
        if (whole.Failure is null && (shaped.Failure is not null || !whole.Unread.SequenceEqual(shaped.Unread)))
        {
            throw new InvalidOperationException(
                $"shaped decoding diverged from whole: {whole.Unread.Count} values whole, {shaped.Unread.Count} shaped " +
                $"({shaped.Failure ?? "unread bytes differ"})");
        }
    }

    private static (List<int> Unread, string? Failure) DecodeAll(byte[] input, Func<int, GobShape> shapeOf)
    {
        var decoder = new GobStreamDecoder(new MemoryStream(input, writable: false));
        var unread = new List<int>();
        try
        {
            while (decoder.DecodeNext(shapeOf(unread.Count)) is not null)
            {
                unread.Add(decoder.LastValueUnreadBytes);
            }
            return (unread, null);
        }
        catch (GobException e)
        {
            // The decoder's own refusal: what ends a stream in the bridge.
            return (unread, e.Message);
        }
    }

    /// <summary>
    /// One yamux connection from the peer's side: every frame read on this thread until the
    /// input ends, then the data the first streams received decoded as gob.
    /// </summary>
    public static void Yamux(byte[] input)
    {
        var session = new YamuxSession(new InputTransport(input));
        var reader = session.RunReaderOnThisThread();
        if (!reader.IsCompleted)
        {
            throw new InvalidOperationException("the yamux reader waited on a transport whose reads complete at once");
        }
        reader.GetAwaiter().GetResult();
        for (var served = 0; NextAccepted(session) is { } stream; served++)
        {
            if (served >= StreamsDecoded)
            {
                stream.Reset();
                continue;
            }
            DecodeStream(stream);
        }
        session.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>A stream the session accepted; null once none is left (the session has ended).</summary>
    private static YamuxStream? NextAccepted(YamuxSession session)
    {
        var next = session.AcceptAsync().AsTask();
        return next.IsCompleted
            ? next.GetAwaiter().GetResult()
            : throw new InvalidOperationException("a closed session's accept queue waited");
    }

    private static void DecodeStream(YamuxStream stream)
    {
        var decoder = new GobStreamDecoder(stream);
        try
        {
            while (decoder.DecodeNext() is not null)
            {
            }
        }
        catch (Exception e) when (e is GobException or IOException)
        {
            // A refused value, or the stream's end: reset, or the session closed under it.
        }
    }

    /// <summary>The connection: reads come from the input, writes go nowhere.</summary>
    private sealed class InputTransport(byte[] input) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => input.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, input.Length - _position);
            input.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Write(byte[] buffer, int offset, int count) { }
        public override void Write(ReadOnlySpan<byte> buffer) { }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
