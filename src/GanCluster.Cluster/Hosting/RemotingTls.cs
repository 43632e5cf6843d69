using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GanCluster.Core.Spec;

namespace GanCluster.Cluster.Hosting;

/// <summary>
/// TLS on Akka remoting (opt-in; docs/security.md): every node of the cluster presents the same PKCS#12 certificate
/// (mutual TLS), and a peer is accepted only when it presents that certificate (pinned by thumbprint), so a
/// self-signed cluster certificate works without touching the system trust store. The data plane is not covered.
/// </summary>
public sealed record RemotingTls(X509Certificate2 Certificate, string SourcePath)
{
    /// <summary>Loads the cluster certificate (with its private key); a missing file or wrong password is a user error (exit 2).</summary>
    public static RemotingTls Load(string path, string? password, string option = "--tls-certificate")
    {
        if (!File.Exists(path)) throw new SpecException(option, "a PKCS#12 (.pfx/.p12) certificate file", $"'{path}' (no such file)", "input");
        X509Certificate2 certificate;
        try { certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password); }
        catch (CryptographicException e)
        {
            throw new SpecException(option, "a PKCS#12 certificate readable with the password from --tls-password-env", $"'{path}' ({e.Message.Trim()})", "input");
        }
        if (!certificate.HasPrivateKey)
            throw new SpecException(option, "a PKCS#12 certificate with its private key", $"'{path}' (no private key)", "input");
        return new RemotingTls(certificate, Path.GetFullPath(path));
    }
}
