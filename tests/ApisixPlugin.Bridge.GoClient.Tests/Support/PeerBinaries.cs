namespace ApisixPlugin.Bridge.GoClient.Tests.Support;

/// <summary>
/// The real files under test, prepared once per test run: the Go peers and the published bridge.
/// Both builds run in parallel; a failure of either fails every test that needs it.
/// </summary>
public sealed class PeerBinaries : IAsyncLifetime
{
    internal GoPeer Go { get; private set; } = null!;

    internal string Bridge { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var go = GoPeer.GetAsync();
        var bridge = BridgeBinary.GetAsync();
        Go = await go;
        Bridge = await bridge;
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

[CollectionDefinition(Name)]
public sealed class PeerCollection : ICollectionFixture<PeerBinaries>
{
    public const string Name = "go peers and bridge";
}
