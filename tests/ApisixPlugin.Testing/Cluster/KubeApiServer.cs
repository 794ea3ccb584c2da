using System.Diagnostics;
using System.Net.Http.Headers;
using ApisixPlugin.Kubernetes.Json;
using k8s;

namespace ApisixPlugin.Testing.Cluster;

/// <summary>
/// A real etcd plus the real kube-apiserver (v1.20, built by tests/infra/install-deps.sh) on free
/// loopback ports, with token authentication and RBAC, as described in
/// shared/design/real-kube-apiserver.md. Dispose stops both process groups and deletes the data.
/// </summary>
public sealed class KubeApiServer : IAsyncDisposable
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(90);

    private readonly ClusterFiles _files;
    private readonly ClusterProcess _etcd;
    private readonly ClusterProcess _apiServer;

    private KubeApiServer(ClusterFiles files, ClusterProcess etcd, ClusterProcess apiServer, Uri url)
    {
        _files = files;
        _etcd = etcd;
        _apiServer = apiServer;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>This cluster's own temp directory: data, logs, kubeconfigs.</summary>
    public string DataDir => _files.Root;

    public string ApiServerLogPath => _files.ApiServerLog;

    public string ApiServerLogTail(int lines = 40) => _apiServer.LogTail(lines);

    public static async Task<KubeApiServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var binaries = KubeBinaries.Locate();
        var files = ClusterFiles.Create();
        var (etcdClient, etcdPeer, securePort) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        var url = new Uri($"https://127.0.0.1:{securePort}");
        var stopwatch = Stopwatch.StartNew();

        var etcd = ClusterProcess.Start("etcd", binaries.Etcd, EtcdArgs(files, etcdClient, etcdPeer), files.EtcdLog);
        ClusterProcess? apiServer = null;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(StartupTimeout);
            using var http = ReadinessClient();
            await WaitUntilAsync(http, new Uri($"http://127.0.0.1:{etcdClient}/health"), null, "\"health\":\"true\"", [etcd], deadline.Token);

            apiServer = ClusterProcess.Start("kube-apiserver", binaries.KubeApiServer, ApiServerArgs(files, etcdClient, securePort), files.ApiServerLog);
            await WaitUntilAsync(http, new Uri(url, "/readyz"), files.TokenOf(KubeUsers.Admin), "ok", [etcd, apiServer], deadline.Token);
            files.WriteKubeconfigs(url);
            return new KubeApiServer(files, etcd, apiServer, url);
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or InvalidOperationException)
        {
            // The apiserver's own complaint first; etcd's log is chatty and rarely the cause.
            var report = apiServer is null ? etcd.Describe(40) : $"{apiServer.Describe(40)}\n{etcd.Describe(12)}";
            await StopAsync(etcd, apiServer);
            throw new InvalidOperationException(
                $"test kube cluster did not become ready after {stopwatch.Elapsed.TotalSeconds:F1}s ({e.Message}); data dir {files.Root}\n{report}", e);
        }
    }

    public string TokenOf(string user) => _files.TokenOf(user);

    /// <summary>A kubeconfig file (token auth, current context = this user) for kubectl or a client.</summary>
    public string KubeconfigPath(string user = KubeUsers.Admin)
    {
        _ = _files.TokenOf(user);
        return _files.KubeconfigPath(user);
    }

    public IKubernetes CreateClient(string user = KubeUsers.Admin)
    {
        // Tests read and write routes as JsonObject, which KubernetesClient.Aot cannot serialize alone.
        KubernetesJsonTypes.Register();
        return new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath(user)));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(_apiServer, _etcd);
        _files.Delete();
    }

    private static async Task StopAsync(params ClusterProcess?[] processes)
    {
        foreach (var process in processes.OfType<ClusterProcess>())
        {
            await process.StopAsync(TimeSpan.FromSeconds(5));
        }
    }

    private static string[] EtcdArgs(ClusterFiles files, int clientPort, int peerPort) =>
    [
        "--name=default",
        $"--data-dir={files.EtcdDataDir}",
        $"--listen-client-urls=http://127.0.0.1:{clientPort}",
        $"--advertise-client-urls=http://127.0.0.1:{clientPort}",
        $"--listen-peer-urls=http://127.0.0.1:{peerPort}",
        $"--initial-advertise-peer-urls=http://127.0.0.1:{peerPort}",
        $"--initial-cluster=default=http://127.0.0.1:{peerPort}",
    ];

    private static string[] ApiServerArgs(ClusterFiles files, int etcdPort, int securePort) =>
    [
        $"--etcd-servers=http://127.0.0.1:{etcdPort}",
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        $"--secure-port={securePort}",
        // v1.20 may still open the insecure port 8080 by default; two clusters would collide.
        "--insecure-port=0",
        $"--cert-dir={files.CertDir}",
        $"--token-auth-file={files.TokenFile}",
        "--authorization-mode=RBAC",
        "--service-account-issuer=https://kubernetes.default.svc",
        $"--service-account-key-file={files.ServiceAccountPublicKey}",
        $"--service-account-signing-key-file={files.ServiceAccountKey}",
        "--service-cluster-ip-range=10.96.0.0/16",
        // No controller-manager creates the "default" service account this plugin would wait for.
        "--disable-admission-plugins=ServiceAccount",
    ];

    private static HttpClient ReadinessClient()
    {
#pragma warning disable CA5359 // The apiserver's certificate is self-signed for this run; loopback only.
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
#pragma warning restore CA5359
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
    }

    private static async Task WaitUntilAsync(
        HttpClient http, Uri url, string? bearer, string expectedBody, ClusterProcess[] mustRun, CancellationToken cancellationToken)
    {
        var last = "no answer yet";
        while (true)
        {
            if (mustRun.FirstOrDefault(p => p.HasExited) is { } died)
            {
                throw new InvalidOperationException($"{died.Name} exited while waiting for {url}");
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                if (bearer is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
                }

                using var response = await http.SendAsync(request, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.IsSuccessStatusCode && body.Contains(expectedBody, StringComparison.Ordinal))
                {
                    return;
                }

                last = $"{(int)response.StatusCode}: {body[..Math.Min(body.Length, 300)]}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "request timed out";
            }

            try
            {
                await Task.Delay(100, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw new InvalidOperationException($"{url} not ready in time; last answer: {last}");
            }
        }
    }
}
