namespace ApisixPlugin.GoPlugin.Logging;

internal enum PluginLogLevel
{
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// <summary>
/// Where the protocol layers report what happened. The bridge writes these as hclog JSON lines
/// on stderr; the library itself stays free of logging dependencies.
/// </summary>
internal interface IPluginLog
{
    bool IsEnabled(PluginLogLevel level);

    void Write(PluginLogLevel level, string message, params ReadOnlySpan<(string Key, object? Value)> fields);
}

internal sealed class NullPluginLog : IPluginLog
{
    public static readonly NullPluginLog Instance = new();

    public bool IsEnabled(PluginLogLevel level) => false;

    public void Write(PluginLogLevel level, string message, params ReadOnlySpan<(string Key, object? Value)> fields) { }
}
