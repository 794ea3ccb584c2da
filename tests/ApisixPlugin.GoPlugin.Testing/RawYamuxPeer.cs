using ApisixPlugin.GoPlugin.Yamux;

namespace ApisixPlugin.GoPlugin.Testing;

/// <summary>The client end of a yamux session, written frame by frame, to see exactly what the server sends.</summary>
internal sealed class RawYamuxPeer
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly Stream _stream;

    public RawYamuxPeer(Stream stream) => _stream = stream;

    public async Task SendAsync(YamuxFrameType type, YamuxFlags flags, uint streamId, uint length, byte[]? payload = null)
    {
        var frame = new byte[YamuxHeader.Size + (payload?.Length ?? 0)];
        YamuxHeader.Create(type, flags, streamId, length).WriteTo(frame);
        payload?.CopyTo(frame, YamuxHeader.Size);
        await _stream.WriteAsync(frame);
    }

    public Task OpenAsync(uint streamId) => SendAsync(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, streamId, 0);

    public Task SendDataAsync(uint streamId, byte[] payload, YamuxFlags flags = YamuxFlags.None) =>
        SendAsync(YamuxFrameType.Data, flags, streamId, (uint)payload.Length, payload);

    /// <summary>The next frame the server sent, with its payload for Data frames.</summary>
    public async Task<(YamuxHeader Header, byte[] Payload)> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var header = new byte[YamuxHeader.Size];
        await _stream.ReadExactlyAsync(header, timeout.Token);
        var parsed = YamuxHeader.Parse(header);
        var payload = parsed.Type == YamuxFrameType.Data ? new byte[parsed.Length] : [];
        await _stream.ReadExactlyAsync(payload, timeout.Token);
        return (parsed, payload);
    }

    /// <summary>The next frame, waiting as long as it takes (for a background pump).</summary>
    public async Task<(YamuxHeader Header, byte[] Payload)> ReceiveAsyncNoTimeout()
    {
        var header = new byte[YamuxHeader.Size];
        await _stream.ReadExactlyAsync(header);
        var parsed = YamuxHeader.Parse(header);
        var payload = parsed.Type == YamuxFrameType.Data ? new byte[parsed.Length] : [];
        await _stream.ReadExactlyAsync(payload);
        return (parsed, payload);
    }

    /// <summary>Frames until one matches, skipping the others (e.g. window updates).</summary>
    public async Task<(YamuxHeader Header, byte[] Payload)> ReceiveUntilAsync(Func<YamuxHeader, bool> match)
    {
        while (true)
        {
            var frame = await ReceiveAsync();
            if (match(frame.Header))
            {
                return frame;
            }
        }
    }

    /// <summary>All Data payload of one stream until <paramref name="count"/> bytes arrived.</summary>
    public async Task<byte[]> ReceiveDataAsync(uint streamId, int count)
    {
        var collected = new List<byte>();
        while (collected.Count < count)
        {
            var (header, payload) = await ReceiveAsync();
            if (header.Type == YamuxFrameType.Data && header.StreamId == streamId)
            {
                collected.AddRange(payload);
            }
        }
        return [.. collected];
    }
}
