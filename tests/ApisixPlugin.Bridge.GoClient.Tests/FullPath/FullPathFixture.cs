using ApisixPlugin.Testing;
using ApisixPlugin.Testing.Cluster;
using ApisixPlugin.Testing.Sidecar;
using k8s.Models;

namespace ApisixPlugin.Bridge.GoClient.Tests.FullPath;

/// <summary>
/// The whole path the controller uses: the real kube-apiserver with APISIX's CRD, the real sidecar
/// connected as the limited "plugin" user, and (from <see cref="Support.PeerBinaries"/>) the
/// published bridge and the Go controller.
/// </summary>
public sealed class FullPathFixture : KubeClusterFixture
{
    private SidecarHost? _sidecar;
    private string _socketDir = "";

    internal SidecarHost Sidecar => _sidecar ?? throw new InvalidOperationException("not started");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _socketDir = Directory.CreateTempSubdirectory("bridge-fullpath-").FullName;
        _sidecar = await SidecarHost.StartAsync(Path.Combine(_socketDir, "sidecar.sock"), KubeconfigFor(KubeUsers.Plugin));
    }

    /// <summary>A path for a second sidecar socket (the reconnect test starts its own sidecar there).</summary>
    internal string FreshSocketPath() => Path.Combine(_socketDir, $"late-{Guid.NewGuid():N}.sock");

    public override async Task DisposeAsync()
    {
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }
        await base.DisposeAsync();
        if (_socketDir.Length > 0)
        {
            Directory.Delete(_socketDir, recursive: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class FullPathCollection : ICollectionFixture<FullPathFixture>, ICollectionFixture<Support.PeerBinaries>
{
    public const string Name = "bridge full path";
}
