using System.Security.Cryptography;

namespace GanCluster.Cli.Kubernetes;

/// <summary>
/// Writes rendered objects as a kustomize base: one file per object and a kustomization.yaml. The run token is no
/// object and has no fixed value: kustomize generates the Secret from <see cref="TokenFile"/>, which this writes with
/// a fresh random token and which must not be committed (k8s/base has none: kustomize refuses to build without it).
/// </summary>
public static class KustomizeBase
{
    /// <summary>The env file (<c>token=...</c>) kustomize reads the run token from.</summary>
    public const string TokenFile = "token.env";

    /// <summary>The line to create a token file by hand (docs/kubernetes.md).</summary>
    public const string TokenCommand = "echo \"token=$(openssl rand -hex 32)\" > token.env";

    public static void Write(string dir, RenderOptions options, IReadOnlyList<(string File, object Obj)> objects)
    {
        Directory.CreateDirectory(dir);
        foreach (var (file, obj) in objects)
            File.WriteAllText(Path.Combine(dir, file), ManifestRenderer.ToYaml(obj).TrimEnd() + "\n");
        File.WriteAllText(Path.Combine(dir, "kustomization.yaml"), Kustomization(options, objects.Select(x => x.File)));
        if (options.TokenSecret == null) WriteToken(Path.Combine(dir, TokenFile));
    }

    public static string Kustomization(RenderOptions options, IEnumerable<string> files)
    {
        string text = "# Rendered by `gancluster k8s render`; apply with kubectl apply -k.\n" +
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n" +
            string.Concat(files.Select(f => $"  - {f}\n"));
        if (options.TokenSecret != null) return text; // the Secret exists already
        return text +
            $"# The run token (the data plane's shared secret) is read from {TokenFile} next to this file: render writes one\n" +
            $"# with a random token; keep it out of version control. To make one: {TokenCommand}\n" +
            "secretGenerator:\n" +
            $"  - name: {options.TokenSecretName}\n" +
            $"    envs: [{TokenFile}]\n" +
            "    options:\n" +
            "      disableNameSuffixHash: true  # the Jobs reference it by name; a new token means a new run\n";
    }

    static void WriteToken(string path)
    {
        string text = $"token={Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))}\n";
        if (OperatingSystem.IsWindows()) { File.WriteAllText(path, text); return; }
        // Owner-only from the start: the token is a secret.
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }
}
