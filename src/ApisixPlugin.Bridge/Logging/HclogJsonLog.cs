using System.Buffers;
using System.Globalization;
using System.Text.Json;
using ApisixPlugin.GoPlugin.Logging;

namespace ApisixPlugin.Bridge.Logging;

/// <summary>
/// Writes one hclog-style JSON object per line on stderr. go-plugin's host parses exactly these
/// keys (@level, @message, @timestamp with six fractional digits) and keeps the rest as fields,
/// so the controller's log shows the bridge's level and fields. Never writes to stdout.
/// </summary>
internal sealed class HclogJsonLog : IPluginLog
{
    private readonly Stream _output;
    private readonly PluginLogLevel _minimum;
    private readonly object _gate = new();
    private readonly ArrayBufferWriter<byte> _buffer = new(512);

    public HclogJsonLog(Stream output, PluginLogLevel minimum)
    {
        _output = output;
        _minimum = minimum;
    }

    /// <summary>A level's name as --log-level and APISIX_PLUGIN_BRIDGE_LOG_LEVEL take it: trace, debug, info, warn (or warning), error; any case.</summary>
    public static bool TryParseLevel(string text, out PluginLogLevel level)
    {
        ArgumentNullException.ThrowIfNull(text);
        (var ok, level) = text.ToUpperInvariant() switch
        {
            "TRACE" => (true, PluginLogLevel.Trace),
            "DEBUG" => (true, PluginLogLevel.Debug),
            "INFO" => (true, PluginLogLevel.Info),
            "WARN" or "WARNING" => (true, PluginLogLevel.Warn),
            "ERROR" => (true, PluginLogLevel.Error),
            _ => (false, PluginLogLevel.Info),
        };
        return ok;
    }

    public bool IsEnabled(PluginLogLevel level) => level >= _minimum;

    public void Write(PluginLogLevel level, string message, params ReadOnlySpan<(string Key, object? Value)> fields)
    {
        if (!IsEnabled(level))
        {
            return;
        }
        lock (_gate)
        {
            _buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(_buffer))
            {
                json.WriteStartObject();
                json.WriteString("@level", LevelName(level));
                json.WriteString("@message", message);
                json.WriteString("@timestamp", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
                foreach (var (key, value) in fields)
                {
                    WriteField(json, key, value);
                }
                json.WriteEndObject();
            }
            _buffer.GetSpan(1)[0] = (byte)'\n';
            _buffer.Advance(1);
            try
            {
                _output.Write(_buffer.WrittenSpan);
                _output.Flush();
            }
            catch (IOException)
            {
                // The host stopped reading stderr; logging must never take the bridge down.
            }
        }
    }

    public static string LevelName(PluginLogLevel level) => level switch
    {
        PluginLogLevel.Trace => "trace",
        PluginLogLevel.Debug => "debug",
        PluginLogLevel.Warn => "warn",
        PluginLogLevel.Error => "error",
        _ => "info",
    };

    private static void WriteField(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case null: json.WriteNull(key); break;
            case string s: json.WriteString(key, s); break;
            case bool b: json.WriteBoolean(key, b); break;
            case int i: json.WriteNumber(key, i); break;
            case uint u: json.WriteNumber(key, u); break;
            case long l: json.WriteNumber(key, l); break;
            case ulong ul: json.WriteNumber(key, ul); break;
            case double d: json.WriteNumber(key, d); break;
            case TimeSpan t: json.WriteNumber(key, Math.Round(t.TotalMilliseconds, 3)); break;
            default: json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }
}
