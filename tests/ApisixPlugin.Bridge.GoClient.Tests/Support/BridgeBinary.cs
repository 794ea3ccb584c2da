namespace ApisixPlugin.Bridge.GoClient.Tests.Support;

/// <summary>The published bridge: the single static NativeAOT file the controller runs (see <see cref="PreparedFiles"/>).</summary>
internal static class BridgeBinary
{
    public const string FileName = "apisix-plugin-bridge";

    public static async Task<string> GetAsync()
    {
        var file = (await PreparedFiles.GetAsync()).Bridge;
        return File.Exists(file) ? file : throw new FileNotFoundException($"the published bridge {file} does not exist", file);
    }
}
