namespace ApisixPlugin.Testing.Cluster;

/// <summary>Where the real etcd and kube-apiserver binaries are; missing ones fail loudly, never skip.</summary>
internal sealed record KubeBinaries(string KubeApiServer, string Etcd)
{
    private const string InstallHint = "run tests/infra/install-deps.sh (as root) to install etcd and build kube-apiserver";

    public static KubeBinaries Locate()
    {
        var apiServer = Environment.GetEnvironmentVariable("KUBE_APISERVER_BIN") is { Length: > 0 } fromEnv
            ? fromEnv
            : Path.Combine(RepoPaths.CacheRoot, "bin", "kube-apiserver");
        var etcd = Environment.GetEnvironmentVariable("ETCD_BIN") is { Length: > 0 } etcdFromEnv ? etcdFromEnv : "/usr/bin/etcd";
        Require(apiServer, "kube-apiserver");
        Require(etcd, "etcd");
        return new KubeBinaries(apiServer, etcd);
    }

    private static void Require(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{what} not found at {path}: {InstallHint}", path);
        }
    }
}
