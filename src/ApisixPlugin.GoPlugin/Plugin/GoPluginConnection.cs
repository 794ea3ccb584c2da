using System.Buffers.Binary;
using ApisixPlugin.GoPlugin.Logging;
using ApisixPlugin.GoPlugin.NetRpc;
using ApisixPlugin.GoPlugin.Yamux;

namespace ApisixPlugin.GoPlugin.Plugin;

/// <summary>
/// One host connection: a yamux session whose streams have go-plugin's fixed roles — the first is
/// the control stream, the next two are the host's stdout/stderr copies (left idle), and every
/// later one is a broker stream that starts with the id a Dispense call handed out.
/// </summary>
internal sealed class GoPluginConnection
{
    /// <summary>
    /// Each broker stream has its own thread; argo dispenses one plugin per connection, so a few
    /// suffice, and a peer opening streams by the thousand gets them reset instead. A stream
    /// that sends no id within <see cref="GoPluginServerOptions.BrokerTimeout"/> is reset, so
    /// silent streams cannot keep these slots from the host's real one.
    /// </summary>
    internal const int MaxBrokerStreams = 32;

    private readonly Stream _transport;
    private readonly GoPluginServerOptions _options;
    private readonly BrokerRegistry _broker;
    private int _brokerStreams;

    public GoPluginConnection(Stream transport, GoPluginServerOptions options)
    {
        _transport = transport;
        _options = options;
        _broker = new BrokerRegistry(options.Time, options.BrokerTimeout);
    }

    public async Task<string> RunAsync()
    {
        var log = _options.Log;
        var session = new YamuxSession(_transport);
        await using (session.ConfigureAwait(false))
        {
            session.Start();
            var index = 0;
            while (await session.AcceptAsync().ConfigureAwait(false) is { } stream)
            {
                switch (index++)
                {
                    case 0:
                        var control = new ControlService(_options.Plugins, _broker, _options.OnQuit);
                        _ = new NetRpcServer(stream, control, log, "control").StartOnOwnThread();
                        break;
                    case 1:
                    case 2:
                        // go-plugin's stdout/stderr streams: the host only reads them; nothing to say.
                        break;
                    default:
                        StartBrokerStream(session, stream);
                        break;
                }
            }
            var reason = await session.Closed.ConfigureAwait(false);
            log.Write(PluginLogLevel.Debug, "host connection closed", ("reason", reason));
            return reason;
        }
    }

    private void StartBrokerStream(YamuxSession session, YamuxStream stream)
    {
        if (Interlocked.Increment(ref _brokerStreams) > MaxBrokerStreams)
        {
            Interlocked.Decrement(ref _brokerStreams);
            _options.Log.Write(PluginLogLevel.Error, "too many broker streams; resetting", ("stream", stream.Id), ("limit", MaxBrokerStreams));
            stream.Reset();
            return;
        }
        var thread = new Thread(() =>
        {
            try
            {
                ServeBrokerStream(session, stream);
            }
            finally
            {
                Interlocked.Decrement(ref _brokerStreams);
            }
        })
        {
            IsBackground = true,
            Name = $"broker-{stream.Id}",
        };
        thread.Start();
    }

    private void ServeBrokerStream(YamuxSession session, YamuxStream stream)
    {
        var log = _options.Log;
        Span<byte> idBytes = stackalloc byte[4];
        try
        {
            stream.ReadTimeout = (int)Math.Ceiling(_options.BrokerTimeout.TotalMilliseconds);
            stream.ReadExactly(idBytes);
            stream.ReadTimeout = Timeout.Infinite;
        }
        catch (Exception e) when (e is IOException or EndOfStreamException)
        {
            log.Write(PluginLogLevel.Warn, "broker stream ended before its id", ("stream", stream.Id), ("error", e.Message));
            stream.Reset();
            return;
        }
        var id = BinaryPrimitives.ReadUInt32LittleEndian(idBytes);
        if (!_broker.TryTake(id, out var name, out var service))
        {
            log.Write(PluginLogLevel.Error, "broker stream names an id no Dispense handed out", ("stream", stream.Id), ("broker_id", id));
            stream.Reset();
            return;
        }
        try
        {
            // The host's Dial waits for the same four bytes back before it sends a call.
            stream.Write(idBytes);
        }
        catch (IOException e)
        {
            log.Write(PluginLogLevel.Warn, "broker stream closed before the id echo", ("stream", stream.Id), ("error", e.Message));
            return;
        }
        log.Write(PluginLogLevel.Debug, "plugin stream open", ("plugin", name), ("broker_id", id), ("stream", stream.Id));
        using var server = new NetRpcServer(stream, service, log, "plugin");
        if (server.Serve() is { } failure)
        {
            // Go's net/rpc client shuts down for good when a stream it reads breaks, and the host
            // keeps the plugin it dispensed while Control.Ping answers: every later call would fail
            // until the controller restarts. Ending the connection makes the next Ping fail, and the
            // host then starts the plugin again.
            log.Write(PluginLogLevel.Error, "plugin stream failed; closing the connection so the host starts the plugin again",
                ("plugin", name), ("stream", stream.Id), ("error", failure));
            session.Close($"plugin stream {stream.Id} failed: {failure}");
        }
    }
}
