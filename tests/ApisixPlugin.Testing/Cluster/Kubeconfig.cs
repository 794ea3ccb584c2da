namespace ApisixPlugin.Testing.Cluster;

/// <summary>A kubeconfig for one bearer-token user of a test API server (its certificate is self-signed for the run, hence skip-verify).</summary>
public static class Kubeconfig
{
    public static void Write(string path, Uri server, string user, string token) =>
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: apisixplugin-test
              cluster:
                server: {server.GetLeftPart(UriPartial.Authority)}
                insecure-skip-tls-verify: true
            users:
            - name: {user}
              user:
                token: {token}
            contexts:
            - name: {user}
              context:
                cluster: apisixplugin-test
                user: {user}
                namespace: default
            current-context: {user}

            """);
}
