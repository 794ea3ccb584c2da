using ApisixPlugin.Testing;

namespace ApisixPlugin.Deploy.Tests.Cluster;

/// <summary>One real kube-apiserver (v1.20) with the ApisixRoute CRD for all cluster tests here.</summary>
[CollectionDefinition(Name)]
public sealed class DeployKubeCollection : ICollectionFixture<KubeClusterFixture>
{
    public const string Name = "deploy-kube";
}
