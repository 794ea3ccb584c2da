using ApisixPlugin.GoPlugin.Testing;
using ApisixPlugin.GoPlugin.Tests.Support;
using ApisixPlugin.GoPlugin.Yamux;

namespace ApisixPlugin.GoPlugin.Tests.Yamux;

public sealed class YamuxSessionTests : IAsyncLifetime
{
    private SocketPair _pair = null!;
    private YamuxSession _session = null!;
    private RawYamuxPeer _peer = null!;

    public async Task InitializeAsync()
    {
        _pair = await SocketPair.CreateAsync();
        _session = new YamuxSession(_pair.Server);
        _session.Start();
        _peer = new RawYamuxPeer(_pair.Client);
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        _pair.Dispose();
    }

    private async Task<YamuxStream> AcceptAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return (await _session.AcceptAsync(timeout.Token))!;
    }

    /// <summary>Waits, within a bound, for a state the stream reports; no fixed sleep stands in for it.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task Every_SYN_is_ACKed_at_once_even_before_the_stream_is_accepted()
    {
        await _peer.OpenAsync(1);
        await _peer.OpenAsync(3);
        var first = await _peer.ReceiveAsync();
        var second = await _peer.ReceiveAsync();
        Assert.Equal(YamuxHeader.Create(YamuxFrameType.WindowUpdate, YamuxFlags.Ack, 1, 0), first.Header);
        Assert.Equal(YamuxHeader.Create(YamuxFrameType.WindowUpdate, YamuxFlags.Ack, 3, 0), second.Header);
        Assert.Equal(1u, (await AcceptAsync()).Id);
        Assert.Equal(3u, (await AcceptAsync()).Id);
    }

    [Fact]
    public async Task Data_sent_with_the_SYN_is_readable()
    {
        await _peer.OpenAsync(1);
        await _peer.SendDataAsync(1, [1, 2, 3]);
        var stream = await AcceptAsync();
        var buffer = new byte[3];
        stream.ReadExactly(buffer);
        Assert.Equal([1, 2, 3], buffer);
    }

    [Fact]
    public async Task A_frame_larger_than_a_pooled_segment_arrives_whole_and_in_order()
    {
        await _peer.OpenAsync(1);
        var frame = Enumerable.Range(0, 200 * 1024 + 7).Select(i => (byte)(i * 31 + (i >> 10))).ToArray();
        await _peer.SendDataAsync(1, frame);
        await _peer.SendDataAsync(1, [9]);
        var stream = await AcceptAsync();
        var buffer = new byte[frame.Length + 1];
        stream.ReadExactly(buffer);
        Assert.Equal(frame.Append((byte)9), buffer);
    }

    [Fact]
    public async Task Ping_SYN_is_answered_with_ping_ACK_and_the_same_value()
    {
        await _peer.SendAsync(YamuxFrameType.Ping, YamuxFlags.Syn, 0, 0xCAFE);
        var (header, _) = await _peer.ReceiveAsync();
        Assert.Equal(YamuxHeader.Create(YamuxFrameType.Ping, YamuxFlags.Ack, 0, 0xCAFE), header);
    }

    [Fact]
    public async Task Credit_is_granted_back_once_half_the_window_is_consumed()
    {
        await _peer.OpenAsync(1);
        await _peer.ReceiveAsync(); // ACK
        var stream = await AcceptAsync();
        var chunk = new byte[64 * 1024];
        for (var i = 0; i < 4; i++)
        {
            await _peer.SendDataAsync(1, chunk); // the whole 256 KiB window
        }
        var sink = new byte[200 * 1024];
        stream.ReadExactly(sink);
        var (update, _) = await _peer.ReceiveAsync();
        Assert.Equal(YamuxFrameType.WindowUpdate, update.Type);
        Assert.Equal(1u, update.StreamId);
        // Granted as soon as half the window (128 KiB) is owed, never more than was consumed.
        Assert.InRange(update.Length, 128u * 1024, (uint)sink.Length);
        // With that credit the peer may send more than the initial window in total.
        await _peer.SendDataAsync(1, new byte[100 * 1024]);
        stream.ReadExactly(new byte[(256 + 100 - 200) * 1024]);
    }

    [Fact]
    public async Task Writes_wait_for_the_peers_credit()
    {
        await _peer.OpenAsync(1);
        await _peer.ReceiveAsync();
        var stream = await AcceptAsync();
        var big = new byte[300 * 1024];
        new Random(1).NextBytes(big);
        // Frames go to the socket on the writing thread, so the peer must be reading meanwhile.
        var write = Task.Run(() => stream.WriteAsync(big).AsTask());
        var first = await _peer.ReceiveDataAsync(1, 256 * 1024);
        await WaitUntilAsync(() => stream.IsWaitingForCredit, "the write to wait for credit");
        Assert.Equal(0, stream.SendWindow);
        Assert.False(write.IsCompleted, "the write went past the peer's 256 KiB window");
        await _peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFlags.None, 1, 256 * 1024);
        var rest = await _peer.ReceiveDataAsync(1, 44 * 1024);
        await write.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(big, first.Concat(rest).ToArray());
    }

    [Fact]
    public async Task FIN_ends_reading_and_the_local_close_sends_FIN()
    {
        await _peer.OpenAsync(1);
        await _peer.ReceiveAsync();
        var stream = await AcceptAsync();
        await _peer.SendDataAsync(1, [9], YamuxFlags.Fin);
        Assert.Equal(9, stream.ReadByte());
        Assert.Equal(-1, stream.ReadByte());
        stream.CloseWrite();
        var (header, _) = await _peer.ReceiveAsync();
        Assert.Equal(YamuxHeader.Create(YamuxFrameType.WindowUpdate, YamuxFlags.Fin, 1, 0), header);
        Assert.Equal(0, _session.OpenStreams);
    }

    [Fact]
    public async Task RST_fails_a_blocked_reader_with_a_clear_error()
    {
        await _peer.OpenAsync(1);
        await _peer.ReceiveAsync();
        var stream = await AcceptAsync();
        var read = Task.Run(() => stream.ReadByte());
        await WaitUntilAsync(() => stream.HasBlockedReader, "the read to block");
        await _peer.SendAsync(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, 1, 0);
        var error = await Assert.ThrowsAsync<IOException>(() => read.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("reset", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Window_overrun_ends_the_session_with_GoAway_protocol_error()
    {
        await _peer.OpenAsync(1);
        await _peer.ReceiveAsync();
        var stream = await AcceptAsync();
        await _peer.SendDataAsync(1, new byte[256 * 1024]);
        // One byte more than the window, with no credit granted.
        await _peer.SendDataAsync(1, [1]);
        var (goAway, _) = await _peer.ReceiveUntilAsync(h => h.Type == YamuxFrameType.GoAway);
        Assert.Equal((uint)YamuxGoAwayCode.ProtocolError, goAway.Length);
        var reason = await _session.Closed.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Contains("window", reason, StringComparison.Ordinal);
        // The session reports itself closed before it has closed every stream: wait for the
        // stream to refuse writes, within a bound, rather than racing it.
        var refused = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    stream.Write([1]);
                }
                catch (IOException)
                {
                    return;
                }

                await Task.Delay(10);
            }
        });
        await refused.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Hostile_length_near_2_pow_32_is_refused_before_any_allocation()
    {
        await _peer.OpenAsync(1);
        await _peer.ReceiveAsync();
        await _peer.SendAsync(YamuxFrameType.Data, YamuxFlags.None, 1, uint.MaxValue);
        var reason = await _session.Closed.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Contains("4294967295 bytes with only 262144 bytes of window left", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 }, "unsupported version 1")]
    [InlineData(new byte[] { 0, 7, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 }, "unknown frame type 7")]
    [InlineData(new byte[] { 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0 }, "even stream id 2")]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, "Data frame on stream 0")]
    public async Task Protocol_violations_end_the_session_with_a_reason(byte[] frame, string reason)
    {
        await _pair.Client.WriteAsync(frame);
        var (goAway, _) = await _peer.ReceiveUntilAsync(h => h.Type == YamuxFrameType.GoAway);
        Assert.Equal((uint)YamuxGoAwayCode.ProtocolError, goAway.Length);
        Assert.Contains(reason, await _session.Closed.WaitAsync(TimeSpan.FromSeconds(5)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_SYN_is_a_protocol_error()
    {
        await _peer.OpenAsync(1);
        await _peer.OpenAsync(1);
        Assert.Contains("opened stream 1 twice", await _session.Closed.WaitAsync(TimeSpan.FromSeconds(5)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Truncated_frame_ends_the_session_and_wakes_readers()
    {
        await _peer.OpenAsync(1);
        await _peer.ReceiveAsync();
        var stream = await AcceptAsync();
        var read = Task.Run(() => stream.ReadByte());
        var header = new byte[YamuxHeader.Size];
        YamuxHeader.Create(YamuxFrameType.Data, YamuxFlags.None, 1, 100).WriteTo(header);
        await _pair.Client.WriteAsync(header.Concat(new byte[10]).ToArray());
        _pair.Client.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        Assert.Contains("connection ended inside a data frame (10 of 100 bytes)",
            await _session.Closed.WaitAsync(TimeSpan.FromSeconds(5)), StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<IOException>(() => read.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("session closed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_large_frame_truncated_after_some_segments_names_the_bytes_it_got()
    {
        await _peer.OpenAsync(1);
        await _peer.ReceiveAsync();
        var header = new byte[YamuxHeader.Size];
        YamuxHeader.Create(YamuxFrameType.Data, YamuxFlags.None, 1, 100_000).WriteTo(header);
        await _pair.Client.WriteAsync(header.Concat(new byte[40_000]).ToArray());
        _pair.Client.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        Assert.Contains("connection ended inside a data frame (40000 of 100000 bytes)",
            await _session.Closed.WaitAsync(TimeSpan.FromSeconds(5)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GoAway_from_the_peer_closes_the_session()
    {
        await _peer.SendAsync(YamuxFrameType.GoAway, YamuxFlags.None, 0, 0);
        Assert.Contains("GoAway", await _session.Closed.WaitAsync(TimeSpan.FromSeconds(5)), StringComparison.Ordinal);
        Assert.Null(await _session.AcceptAsync());
    }

    [Fact]
    public async Task An_unread_ping_flood_queues_at_most_a_few_answers_and_the_session_still_answers_later()
    {
        // 200,000 pings from a peer that reads nothing: the socket's send side fills up, and
        // each unanswered ping used to stay queued (8 to 226 MB in the bridge).
        const int pings = 200_000;
        var flood = new byte[pings * YamuxHeader.Size];
        for (var i = 0; i < pings; i++)
        {
            YamuxHeader.Create(YamuxFrameType.Ping, YamuxFlags.Syn, 0, (uint)i).WriteTo(flood.AsSpan(i * YamuxHeader.Size));
        }
        await _pair.Client.WriteAsync(flood);
        // Frames are handled in order: once stream 1 is accepted, every ping before it was seen.
        await _peer.OpenAsync(1);
        Assert.Equal(1u, (await AcceptAsync()).Id);
        Assert.InRange(_session.QueuedFrames, 0, YamuxSession.MaxPendingPingAcks + 1);

        // Reading again, the peer gets what was answered, then answers to new pings.
        await _peer.ReceiveUntilAsync(h => h.Type == YamuxFrameType.WindowUpdate && h.StreamId == 1);
        await _peer.SendAsync(YamuxFrameType.Ping, YamuxFlags.Syn, 0, 0xBEEF);
        await _peer.ReceiveUntilAsync(h => h.Type == YamuxFrameType.Ping && h.Length == 0xBEEF);
        Assert.False(_session.Closed.IsCompleted);
    }

    [Fact]
    public async Task A_peer_that_opens_and_resets_streams_without_reading_has_its_session_closed()
    {
        // Each SYN is answered with an ACK at once; a peer that never reads them and resets each
        // stream itself would keep the answers queued without end.
        var accepting = Task.Run(async () =>
        {
            while (await _session.AcceptAsync() is not null)
            {
            }
        });
        const int streams = 100_000;
        var frames = new byte[2 * streams * YamuxHeader.Size];
        for (var i = 0; i < streams; i++)
        {
            var id = (uint)(2 * i + 1);
            YamuxHeader.Create(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, id, 0).WriteTo(frames.AsSpan(2 * i * YamuxHeader.Size));
            YamuxHeader.Create(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, id, 0).WriteTo(frames.AsSpan((2 * i + 1) * YamuxHeader.Size));
        }
        var write = _pair.Client.WriteAsync(frames).AsTask();
        var reason = await _session.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("peer is not reading", reason, StringComparison.Ordinal);
        await accepting.WaitAsync(TimeSpan.FromSeconds(5));
        // The rest of the flood may or may not have fit in the socket before it closed.
        await write.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_read_with_a_timeout_fails_when_nothing_arrives_in_time()
    {
        await _peer.OpenAsync(1);
        var stream = await AcceptAsync();
        stream.ReadTimeout = 50;
        var error = Assert.Throws<IOException>(() => stream.ReadByte());
        Assert.Contains("no data within 50 ms", error.Message, StringComparison.Ordinal);
        stream.ReadTimeout = Timeout.Infinite;
        await _peer.SendDataAsync(1, [7]);
        Assert.Equal(7, stream.ReadByte());
    }
}
