using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GanCluster.Kubernetes.Tests.Launch;

/// <summary>
/// The one stand-in of the launch tests (no cluster can run here): the smallest Kubernetes API endpoint that a pod's
/// discovery needs. It serves <c>GET /api/v1/namespaces/{ns}/pods[?labelSelector=...]</c> over HTTPS with a
/// certificate from its own CA (what a pod's ServiceAccount ca.crt pins), answers only bearer tokens it issued (what
/// the ServiceAccount token file holds) and only for their namespace, and lists the pods the test registered as the
/// kubelet would report them. Label selectors: equality (k=v, k==v, k!=v) and existence (k, !k). Everything else is 404.
/// </summary>
public sealed class StandInKubernetesApi : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly ConcurrentDictionary<(string Namespace, string Name), V1Pod> _pods = new();
    readonly ConcurrentDictionary<string, string> _tokens = new(); // token -> namespace
    int _lists;

    StandInKubernetesApi(WebApplication app, IPAddress address, string caPem)
    {
        _app = app;
        Address = address;
        CaPem = caPem;
    }

    public IPAddress Address { get; }
    public int Port { get; private set; }
    /// <summary>The CA certificate (PEM) that signed the server's certificate: a pod's ca.crt.</summary>
    public string CaPem { get; }
    /// <summary>Pod lists served so far (to tell that discovery went through this endpoint).</summary>
    public int PodLists => Volatile.Read(ref _lists);

    public static async Task<StandInKubernetesApi> StartAsync(IPAddress address, int port = 0)
    {
        var api = await StartAsync(address, (kestrel, certificate) => kestrel.Listen(address, port, listen => listen.UseHttps(certificate)));
        string bound = api._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        api.Port = new Uri(bound).Port;
        return api;
    }

    /// <summary>
    /// Serves on a socket that already listens (e.g. one on a test bed host's address, opened in its network namespace
    /// by <c>BedHost.Listen</c>). The endpoint takes the socket over: Kestrel closes it when the endpoint stops.
    /// </summary>
    public static async Task<StandInKubernetesApi> StartAsync(Socket listening)
    {
        var local = (IPEndPoint)listening.LocalEndPoint!;
        ulong descriptor = (ulong)listening.SafeHandle.DangerousGetHandle();
        listening.SafeHandle.SetHandleAsInvalid(); // Kestrel owns the descriptor from here; this Socket must not close it too
        var api = await StartAsync(local.Address, (kestrel, certificate) => kestrel.ListenHandle(descriptor, listen => listen.UseHttps(certificate)));
        api.Port = local.Port;
        return api;
    }

    static async Task<StandInKubernetesApi> StartAsync(IPAddress address, Action<KestrelServerOptions, X509Certificate2> listen)
    {
        var (caPem, serverCertificate) = Certificates(address);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => listen(k, serverCertificate));
        var app = builder.Build();
        var api = new StandInKubernetesApi(app, address, caPem);
        app.MapGet("/api/v1/namespaces/{ns}/pods", (HttpContext http, string ns) => api.ListPods(http, ns));
        await app.StartAsync();
        return api;
    }

    /// <summary>A ServiceAccount token for pods of <paramref name="ns"/> (the content of its token file).</summary>
    public string IssueToken(string ns)
    {
        string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        _tokens[token] = ns;
        return token;
    }

    /// <summary>Adds or replaces a pod (as the kubelet reports it: phase, IP, labels, containers).</summary>
    public void Set(V1Pod pod) => _pods[(pod.Metadata.NamespaceProperty, pod.Metadata.Name)] = pod;

    public void Remove(string ns, string name) => _pods.TryRemove((ns, name), out _);

    /// <summary>The phase a registered pod is listed with (null: not registered).</summary>
    public string? Phase(string ns, string name) => _pods.TryGetValue((ns, name), out var pod) ? pod.Status?.Phase : null;

    IResult ListPods(HttpContext http, string ns)
    {
        string auth = http.Request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ", StringComparison.Ordinal) || !_tokens.TryGetValue(auth["Bearer ".Length..], out var tokenNamespace))
            return Status(401, "Unauthorized", "Unauthorized");
        if (tokenNamespace != ns)
            return Status(403, "Forbidden", $"pods is forbidden: the ServiceAccount of namespace {tokenNamespace} cannot list pods in namespace {ns}");
        var selector = Selector.Parse(http.Request.Query["labelSelector"].ToString());
        var items = _pods.Where(p => p.Key.Namespace == ns).Select(p => p.Value).Where(p => selector(p.Metadata.Labels ?? new Dictionary<string, string>()))
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal).ToList();
        Interlocked.Increment(ref _lists);
        var list = new V1PodList { ApiVersion = "v1", Kind = "PodList", Metadata = new V1ListMeta { ResourceVersion = "1" }, Items = items };
        return Results.Text(KubernetesJson.Serialize(list), "application/json");
    }

    // KubernetesClient cannot serialize V1Status (its converter only reads): the Status object written by hand.
    static IResult Status(int code, string reason, string message) => Results.Json(new Dictionary<string, object>
    {
        ["apiVersion"] = "v1", ["kind"] = "Status", ["status"] = "Failure", ["code"] = code, ["reason"] = reason, ["message"] = message,
    }, statusCode: code);

    static class Selector
    {
        public static Func<IDictionary<string, string>, bool> Parse(string text)
        {
            var terms = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Term).ToList();
            return labels => terms.All(t => t(labels));
        }

        static Func<IDictionary<string, string>, bool> Term(string term)
        {
            if (term.Contains("!=", StringComparison.Ordinal))
            {
                var (k, v) = Split(term, "!=");
                return l => !l.TryGetValue(k, out var x) || x != v;
            }
            if (term.Contains('='))
            {
                var (k, v) = Split(term, term.Contains("==", StringComparison.Ordinal) ? "==" : "=");
                return l => l.TryGetValue(k, out var x) && x == v;
            }
            if (term.StartsWith('!')) return l => !l.ContainsKey(term[1..]);
            return l => l.ContainsKey(term);
        }

        static (string, string) Split(string term, string op)
        {
            int i = term.IndexOf(op, StringComparison.Ordinal);
            return (term[..i].Trim(), term[(i + op.Length)..].Trim());
        }
    }

    /// <summary>A throwaway CA and a server certificate it signed for <paramref name="address"/> and the in-cluster name.</summary>
    static (string CaPem, X509Certificate2 Server) Certificates(IPAddress address)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=stand-in kubernetes CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kubernetes", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(address);
        names.AddDnsName("kubernetes.default.svc");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // server auth
        using var signed = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(serverKey);
        // A PKCS#12 round trip gives the key a form every TLS backend accepts.
        var server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        return (ca.ExportCertificatePem(), server);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
