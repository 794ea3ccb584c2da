using ApisixPlugin.Testing;
using ApisixPlugin.Testing.Upstream;

namespace ApisixPlugin.Integration.Tests.Check;

/// <summary>
/// The real cluster with both CRDs the check reads: APISIX's ApisixRoute (APISIX_CRD selects the
/// generation) and Argo Rollouts' own Rollout CRD from the upstream install. No sidecar runs:
/// <c>check</c> reads the cluster itself.
/// </summary>
public sealed class CheckClusterFixture : KubeClusterFixture
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await ArgoRolloutsInstall.InstallRolloutCrdAsync(Admin);
    }
}

[CollectionDefinition(Name)]
public sealed class CheckCollection : ICollectionFixture<CheckClusterFixture>
{
    public const string Name = "check";
}
