using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace ApisixPlugin.Testing.Faults;

/// <summary>
/// Test double of an unreliable API server, in front of the real one: an HTTPS proxy on loopback
/// (HTTP/1.1 and HTTP/2, a certificate of its own) that forwards every request to the real
/// kube-apiserver unless <see cref="Fault"/> says otherwise, behind a <see cref="FreezableRelay"/>
/// that can make live connections go silent. Nothing real fails on cue; this does.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Host", "Content-Length",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly List<ApiRequest> _seen = [];

    private FaultProxy(WebApplication app, HttpClient upstream, FreezableRelay relay)
    {
        _app = app;
        _upstream = upstream;
        Relay = relay;
    }

    /// <summary>Decides per request; null (the default) forwards it.</summary>
    public Func<ApiRequest, ApiFault?> Fault { get; set; } = _ => null;

    /// <summary>The TCP front the sidecar connects to: freeze it to blackhole live connections.</summary>
    public FreezableRelay Relay { get; }

    /// <summary>Where clients connect (the relay).</summary>
    public Uri Url => new($"https://127.0.0.1:{Relay.Port}");

    /// <summary>Every request seen, in order.</summary>
    public IReadOnlyList<ApiRequest> Seen
    {
        get
        {
            lock (_seen)
            {
                return [.. _seen];
            }
        }
    }

    public static async Task<FaultProxy> StartAsync(Uri apiServer)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=apisixplugin-fault-proxy", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Kestrel needs the key in a form it can use for TLS: round-trip through PKCS#12.
        var certificate = X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pfx), null);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(certificate);
        }));
        var app = builder.Build();

#pragma warning disable CA5359, CA2000 // The test API server's certificate is self-signed for this run, on loopback; the client lives as long as the proxy.
        var upstream = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        })
        { BaseAddress = apiServer, DefaultRequestVersion = HttpVersion.Version20, Timeout = Timeout.InfiniteTimeSpan };
#pragma warning restore CA5359, CA2000

        // The pipeline is fixed when the app starts, and the proxy needs the port it got.
        FaultProxy? proxy = null;
        app.Run(context => proxy!.HandleAsync(context));
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;
        proxy = new FaultProxy(app, upstream, FreezableRelay.Start(port));
        return proxy;
    }

    /// <summary>A kubeconfig that reaches the API server through this proxy, as <paramref name="token"/>'s user.</summary>
    public string WriteKubeconfig(string folder, string token)
    {
        var path = Path.Combine(folder, $"kubeconfig-fault-proxy-{Relay.Port}.yaml");
        Cluster.Kubeconfig.Write(path, Url, "fault-proxy-user", token);
        return path;
    }

    private async Task HandleAsync(HttpContext context)
    {
        ApiRequest seen;
        lock (_seen)
        {
            var method = context.Request.Method;
            _counts[method] = _counts.GetValueOrDefault(method) + 1;
            seen = new ApiRequest(method, context.Request.Path, _counts[method]);
            _seen.Add(seen);
        }

        var fault = Fault(seen);
        switch (fault)
        {
            case ApiFault.Status status:
                context.Response.StatusCode = status.Code;
                if (status.RetryAfterSeconds is { } seconds)
                {
                    context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(
                    $$"""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"injected by the fault proxy","code":{{status.Code}}}""");
                return;
            case ApiFault.Reset:
                context.Abort();
                return;
            case ApiFault.Stall:
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The client gave up, as it should.
                }

                return;
        }

        await ForwardAsync(context, loseAnswer: fault is ApiFault.LoseAnswer);
    }

    private async Task ForwardAsync(HttpContext context, bool loseAnswer)
    {
        using var forward = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString);
        if (context.Request.ContentLength is > 0 || context.Request.Headers.ContainsKey("Transfer-Encoding") || context.Request.Method is "POST" or "PATCH" or "PUT")
        {
            var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            body.Position = 0;
            forward.Content = new StreamContent(body);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopByHop.Contains(name) || name.StartsWith(':'))
            {
                continue;
            }

            if (!forward.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                forward.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var answer = await _upstream.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        if (loseAnswer)
        {
            await answer.Content.ReadAsByteArrayAsync(context.RequestAborted);
            context.Abort();
            return;
        }

        context.Response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await answer.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        Relay.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
