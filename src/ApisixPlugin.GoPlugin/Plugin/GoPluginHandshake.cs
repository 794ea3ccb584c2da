namespace ApisixPlugin.GoPlugin.Plugin;

/// <summary>go-plugin's process handshake: the magic cookie in, one line on stdout out.</summary>
internal static class GoPluginHandshake
{
    public const int CoreProtocolVersion = 1;
    public const int AppProtocolVersion = 1;

    /// <summary>What go-plugin prints when a plugin binary is started by hand.</summary>
    public const string NotAPluginMessage =
        "This binary is a plugin. These are not meant to be executed directly.\n" +
        "Please execute the program that consumes these plugins, which will\n" +
        "load any plugins automatically\n";

    public static bool CookieMatches(string key, string expected) =>
        string.Equals(Environment.GetEnvironmentVariable(key), expected, StringComparison.Ordinal);

    /// <summary><c>core|app|network|address|protocol</c>, read by the host as the first stdout line.</summary>
    public static string Line(string network, string address) =>
        $"{CoreProtocolVersion}|{AppProtocolVersion}|{network}|{address}|netrpc\n";
}
