namespace ApisixPlugin.GoPlugin.Yamux;

/// <summary>The peer broke the yamux protocol; the session ends with GoAway(protocol error).</summary>
internal sealed class YamuxProtocolException(string message) : Exception("yamux: " + message);
