using System.Net.Http.Headers;
using ApisixPlugin.Testing.Cluster;

namespace ApisixPlugin.Benchmarks.EndToEnd;

/// <summary>
/// Counts requests on the API server's side (its own apiserver_request_total), so that the
/// figures do not depend on the client counting itself honestly. The benchmark runs one client
/// at a time, so the difference over a loop is that client's requests.
/// </summary>
internal sealed class ApiServerRequestCount : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _metrics;

    public ApiServerRequestCount(KubeApiServer server)
    {
        // A throwaway loopback cluster with a self-signed certificate: its CA is not worth trusting explicitly here.
#pragma warning disable CA5359, CA2000
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
#pragma warning restore CA5359, CA2000
        _http = new HttpClient(handler, disposeHandler: true);
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.TokenOf(KubeUsers.Admin));
        _metrics = new Uri(server.Url, "/metrics");
    }

    /// <summary>Requests so far by verb (GET, PATCH, PUT, POST...) for one resource.</summary>
    public async Task<Dictionary<string, double>> ByVerbAsync(string resource)
    {
        var text = await _http.GetStringAsync(_metrics);
        return PrometheusText.SumBy(text, "apiserver_request_total", "verb", new Dictionary<string, string> { ["resource"] = resource });
    }

    public void Dispose() => _http.Dispose();
}
