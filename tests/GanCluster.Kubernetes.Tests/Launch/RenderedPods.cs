using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace GanCluster.Kubernetes.Tests.Launch;

/// <summary>Where a pod runs: its namespace and IP, the folders for pods and shared claims, and the API endpoint it talks to.</summary>
public sealed record PodSite(string Namespace, string PodIp, string PodsDir, string ClaimsDir, string ApiHost, int ApiPort, string ApiCaPem, string ApiToken);

/// <summary>
/// Reads a rendered Job (helm template or `k8s render` + kustomize) and makes pod k of it into a <see cref="PodLaunch"/>
/// the way Kubernetes would: Indexed Job naming (hostname &lt;job&gt;-k, the completion-index label and annotation), the
/// container's env list resolved (values; fieldRef metadata.name/namespace/labels/annotations, status.podIP,
/// spec.serviceAccountName; secretKeyRef and configMapKeyRef from the rendered objects, honouring `optional`), the
/// image's environment (TMPDIR=/tmp, from the Dockerfile), the kubelet's (KUBERNETES_SERVICE_HOST/PORT, HOSTNAME), the
/// ServiceAccount's token, ca.crt and namespace files, and the volumes written to disk (ConfigMap and Secret keys
/// as files, emptyDirs as empty folders, claims as folders shared by the pods). Volume paths are folders under the
/// pod's root and the args that name them are rewritten to match; the memory-backed /dev/shm stays the host's.
/// </summary>
public static partial class RenderedPods
{
    public const string ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";
    public const string CompletionIndex = "batch.kubernetes.io/job-completion-index";

    /// <summary>Pod <paramref name="index"/> of <paramref name="job"/>, named &lt;job&gt;-&lt;index&gt;-<paramref name="suffix"/> (default: a new random suffix).</summary>
    public static PodLaunch Launch(List<Manifest> all, V1Job job, int index, PodSite site, string? suffix = null)
    {
        var template = job.Spec.Template;
        string jobName = job.Metadata.Name;
        string hostname = Hostname(job, index);
        string name = $"{hostname}-{suffix ?? NewSuffix()}";
        string root = Path.Combine(site.PodsDir, name);
        Directory.CreateDirectory(root);

        var labels = new Dictionary<string, string>(template.Metadata.Labels ?? new Dictionary<string, string>())
        {
            ["batch.kubernetes.io/job-name"] = jobName, ["job-name"] = jobName, [CompletionIndex] = index.ToString(),
        };
        var annotations = new Dictionary<string, string>(template.Metadata.Annotations ?? new Dictionary<string, string>()) { [CompletionIndex] = index.ToString() };
        var spec = KubernetesJson.Deserialize<V1PodSpec>(KubernetesJson.Serialize(template.Spec));
        spec.Hostname = hostname;
        var pod = new V1Pod
        {
            ApiVersion = "v1", Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = site.Namespace, Labels = labels, Annotations = annotations },
            Spec = spec,
            Status = new V1PodStatus { Phase = "Running", PodIP = site.PodIp, PodIPs = [new V1PodIP { Ip = site.PodIp }] },
        };

        var container = spec.Containers.Single();
        var mounts = Mounts(all, spec, container, root, site);
        string Rewrite(string value)
        {
            foreach (var (path, folder) in mounts.OrderByDescending(m => m.Key.Length))
                if (value == path || value.StartsWith(path + "/", StringComparison.Ordinal)) return folder + value[path.Length..];
            return value;
        }

        var env = new Dictionary<string, string>
        {
            // The image (Dockerfile ENV) and the kubelet.
            ["TMPDIR"] = Rewrite("/tmp"),
            ["HOSTNAME"] = hostname,
            ["KUBERNETES_SERVICE_HOST"] = site.ApiHost,
            ["KUBERNETES_SERVICE_PORT"] = site.ApiPort.ToString(),
        };
        foreach (var e in container.Env ?? [])
            if (Resolve(all, pod, e) is { } value) env[e.Name] = Expand(Rewrite(value), env);

        string serviceAccount = Path.Combine(root, ".serviceaccount");
        Directory.CreateDirectory(serviceAccount);
        File.WriteAllText(Path.Combine(serviceAccount, "token"), site.ApiToken);
        File.WriteAllText(Path.Combine(serviceAccount, "ca.crt"), site.ApiCaPem);
        File.WriteAllText(Path.Combine(serviceAccount, "namespace"), site.Namespace);

        return new PodLaunch
        {
            Name = name, Hostname = hostname, Namespace = site.Namespace, Index = index, PodIp = site.PodIp,
            Role = labels.GetValueOrDefault("app.kubernetes.io/component", ""),
            Args = [.. (container.Args ?? []).Select(a => Rewrite(Expand(a, env)))],
            Environment = env, Root = root, ServiceAccountFiles = serviceAccount, Pod = pod,
        };
    }

    /// <summary>Mount path -> folder, after writing each volume's content.</summary>
    static Dictionary<string, string> Mounts(List<Manifest> all, V1PodSpec spec, V1Container container, string root, PodSite site)
    {
        var result = new Dictionary<string, string>();
        foreach (var mount in container.VolumeMounts ?? [])
        {
            var volume = spec.Volumes.Single(v => v.Name == mount.Name);
            if (volume.EmptyDir is { Medium: "Memory" }) continue; // /dev/shm: the host's own
            string folder = volume.PersistentVolumeClaim is { } claim
                ? Path.Combine(site.ClaimsDir, claim.ClaimName)
                : Path.Combine(root, mount.MountPath.TrimStart('/'));
            Directory.CreateDirectory(folder);
            if (volume.ConfigMap is { } cm)
            {
                var data = Find<V1ConfigMap>(all, cm.Name, cm.Optional)?.Data ?? new Dictionary<string, string>();
                foreach (var (key, value) in data) File.WriteAllText(Path.Combine(folder, key), value);
            }
            else if (volume.Secret is { } s)
            {
                foreach (var (key, value) in SecretData(Find<V1Secret>(all, s.SecretName, s.Optional)))
                    File.WriteAllBytes(Path.Combine(folder, key), value);
            }
            result[mount.MountPath.TrimEnd('/')] = folder;
        }
        return result;
    }

    /// <summary>An env entry's value as the kubelet gives it; null for an optional reference that does not resolve.</summary>
    static string? Resolve(List<Manifest> all, V1Pod pod, V1EnvVar e)
    {
        if (e.ValueFrom == null) return e.Value ?? "";
        if (e.ValueFrom.FieldRef is { } field) return Field(pod, field.FieldPath);
        if (e.ValueFrom.SecretKeyRef is { } secretRef)
        {
            var data = SecretData(Find<V1Secret>(all, secretRef.Name, secretRef.Optional));
            if (data.TryGetValue(secretRef.Key, out var bytes)) return Encoding.UTF8.GetString(bytes);
            return secretRef.Optional == true ? null : throw new InvalidOperationException($"{e.Name}: Secret {secretRef.Name} has no key {secretRef.Key} (the pod would not start)");
        }
        if (e.ValueFrom.ConfigMapKeyRef is { } mapRef)
        {
            var map = Find<V1ConfigMap>(all, mapRef.Name, mapRef.Optional);
            if (map?.Data?.TryGetValue(mapRef.Key, out var value) == true) return value;
            return mapRef.Optional == true ? null : throw new InvalidOperationException($"{e.Name}: ConfigMap {mapRef.Name} has no key {mapRef.Key} (the pod would not start)");
        }
        throw new NotSupportedException($"{e.Name}: this launcher resolves values, fieldRef, secretKeyRef and configMapKeyRef only");
    }

    static string Field(V1Pod pod, string path)
    {
        var keyed = KeyedField().Match(path);
        if (keyed.Success)
        {
            var map = keyed.Groups[1].Value == "labels" ? pod.Metadata.Labels : pod.Metadata.Annotations;
            return map != null && map.TryGetValue(keyed.Groups[2].Value, out var value) ? value : "";
        }
        return path switch
        {
            "metadata.name" => pod.Metadata.Name,
            "metadata.namespace" => pod.Metadata.NamespaceProperty,
            "status.podIP" => pod.Status.PodIP,
            "spec.serviceAccountName" => pod.Spec.ServiceAccountName ?? "default",
            _ => throw new NotSupportedException($"fieldRef {path}"),
        };
    }

    [GeneratedRegex(@"^metadata\.(labels|annotations)\['([^']+)'\]$")]
    private static partial Regex KeyedField();

    /// <summary>$(VAR) references to variables defined before, as Kubernetes expands them in env values and args.</summary>
    static string Expand(string value, IReadOnlyDictionary<string, string> env) =>
        VariableReference().Replace(value, m => env.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex VariableReference();

    static T? Find<T>(List<Manifest> all, string name, bool? optional) where T : class
    {
        var found = all.SingleOrDefault(m => m.Name == name && m.Typed is T)?.Typed as T;
        if (found == null && optional != true) throw new InvalidOperationException($"{typeof(T).Name} {name} is not among the rendered objects (the pod would not start)");
        return found;
    }

    static Dictionary<string, byte[]> SecretData(V1Secret? secret)
    {
        var data = new Dictionary<string, byte[]>(secret?.Data ?? new Dictionary<string, byte[]>());
        foreach (var (key, value) in secret?.StringData ?? new Dictionary<string, string>()) data[key] = Encoding.UTF8.GetBytes(value);
        return data;
    }

    /// <summary>An Indexed Job pod's hostname (kept by every replacement of that index).</summary>
    public static string Hostname(V1Job job, int index) => $"{job.Metadata.Name}-{index}";

    /// <summary>The 5-character suffix of a generated pod name (the alphabet Kubernetes uses).</summary>
    public static string NewSuffix() => string.Create(5, 0, (span, _) =>
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        for (int i = 0; i < span.Length; i++) span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
    });
}
