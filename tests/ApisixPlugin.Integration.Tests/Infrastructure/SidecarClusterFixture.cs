using ApisixPlugin.Testing;
using ApisixPlugin.Testing.Cluster;
using k8s.Models;

namespace ApisixPlugin.Integration.Tests.Infrastructure;

/// <summary>
/// The real cluster with APISIX's CRD (version from APISIX_CRD), and the real sidecar process
/// connected to it as the limited "plugin" user, which has only what deploy/ grants, and only in
/// the namespaces a test grants it.
/// </summary>
public sealed class SidecarClusterFixture : KubeClusterFixture
{
    private SidecarProcess? _sidecar;

    public SidecarProcess Sidecar => _sidecar ?? throw new InvalidOperationException("not started");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _sidecar = await SidecarProcess.StartAsync(KubeconfigFor(KubeUsers.Plugin));
    }

    public override async Task DisposeAsync()
    {
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}

[CollectionDefinition("sidecar")]
public sealed class SidecarCollection : ICollectionFixture<SidecarClusterFixture>;
