using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ApisixPlugin.Testing.Cluster;

/// <summary>
/// The files one test cluster needs in its own data directory: the token file for
/// --token-auth-file, the service-account key pair, and one kubeconfig per user.
/// </summary>
internal sealed class ClusterFiles
{
    private readonly Dictionary<string, string> _tokens;

    private ClusterFiles(string root, Dictionary<string, string> tokens)
    {
        Root = root;
        _tokens = tokens;
    }

    public string Root { get; }

    public string EtcdDataDir => Path.Combine(Root, "etcd");

    public string CertDir => Path.Combine(Root, "certs");

    public string TokenFile => Path.Combine(Root, "tokens.csv");

    public string ServiceAccountKey => Path.Combine(Root, "sa.key");

    public string ServiceAccountPublicKey => Path.Combine(Root, "sa.pub");

    public string EtcdLog => Path.Combine(Root, "etcd.log");

    public string ApiServerLog => Path.Combine(Root, "kube-apiserver.log");

    public static ClusterFiles Create()
    {
        var root = Directory.CreateTempSubdirectory("apisixplugin-kube-").FullName;
        var tokens = KubeUsers.All.ToDictionary(u => u, _ => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        var files = new ClusterFiles(root, tokens);
        ExitCleanup.Register(files, files.Delete);
        files.WriteTokenFile();
        files.WriteServiceAccountKeys();
        return files;
    }

    public void Delete()
    {
        ExitCleanup.Unregister(this);
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temp dir; nothing uses it any more.
        }
    }

    public string TokenOf(string user) =>
        _tokens.TryGetValue(user, out var token) ? token : throw new ArgumentException($"unknown test user '{user}'", nameof(user));

    public string KubeconfigPath(string user) => Path.Combine(Root, $"kubeconfig-{user}.yaml");

    public void WriteKubeconfigs(Uri server)
    {
        foreach (var user in KubeUsers.All)
        {
            Kubeconfig.Write(KubeconfigPath(user), server, user, TokenOf(user));
        }
    }

    private void WriteTokenFile()
    {
        // Format: token,user,uid[,"group1,group2"]. Only the admin gets a group.
        var lines = new StringBuilder();
        foreach (var (user, token) in _tokens)
        {
            var groups = user == KubeUsers.Admin ? ",\"system:masters\"" : string.Empty;
            lines.Append(CultureInfo.InvariantCulture, $"{token},{user},uid-{user}{groups}\n");
        }

        File.WriteAllText(TokenFile, lines.ToString());
    }

    private void WriteServiceAccountKeys()
    {
        using var rsa = RSA.Create(2048);
        File.WriteAllText(ServiceAccountKey, rsa.ExportRSAPrivateKeyPem());
        File.WriteAllText(ServiceAccountPublicKey, rsa.ExportSubjectPublicKeyInfoPem());
    }
}
