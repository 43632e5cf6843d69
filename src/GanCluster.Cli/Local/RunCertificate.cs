using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GanCluster.Cli.Local;

/// <summary>
/// The certificate `gancluster local` makes for each run it starts (docs/security.md): self-signed, pinned by every
/// node (RemotingTls accepts a peer only when it presents this very certificate), written as a password-protected
/// PKCS#12 file readable by its owner only, with a fresh random password that only the run's processes receive. It
/// keeps every process that did not get it (another user's, or a stray one on this machine) out of the Akka cluster.
/// </summary>
public static class RunCertificate
{
    public const string PasswordVariable = "GANCLUSTER_LOCAL_TLS_PASSWORD";

    /// <summary>Writes RUN_DIR/local/tls/cluster.pfx (0600, in a 0700 folder), replacing an older one; returns its path and password.</summary>
    public static (string Path, string Password) Create(string runDir)
    {
        string dir = System.IO.Path.Combine(runDir, "local", "tls");
        Directory.CreateDirectory(dir);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        // Valid for a year: every start of `local` (also --resume) makes a new one, so a run never outlives it in practice.
        byte[] pfx = SelfSignedPkcs12("CN=gancluster-local-run", password, TimeSpan.FromDays(365));

        string path = System.IO.Path.Combine(dir, "cluster.pfx");
        string staging = $"{path}.tmp-{Guid.NewGuid():N}";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // 0600 from the start
        using (var fs = new FileStream(staging, options)) fs.Write(pfx);
        File.Move(staging, path, overwrite: true);
        return (path, password);
    }

    /// <summary>A self-signed certificate for 127.0.0.1 and localhost (server and client authentication) with its private key.</summary>
    public static byte[] SelfSignedPkcs12(string subject, string password, TimeSpan validity)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow + validity);
        return certificate.Export(X509ContentType.Pkcs12, password);
    }
}
