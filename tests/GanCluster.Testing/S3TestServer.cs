using System.Diagnostics;

namespace GanCluster.Testing;

/// <summary>
/// A real S3-compatible server for the tests: the npm package s3rver 3.7.1 (installed into build/tools/s3rver by
/// build/scripts/s3-tools.sh), started by build/scripts/s3rver-host.js on 127.0.0.1 and a free port, with one bucket,
/// its data in a temp folder. s3rver ignores conditional writes; <c>conditionalWrites</c> adds them in the host (the
/// one stand-in, named there), so that the world fence can be tested against a server that offers them, as S3 does.
/// </summary>
public sealed class S3TestServer : IDisposable
{
    public const string Bucket = "gancluster-test";
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    readonly Process _process;

    S3TestServer(Process process, int port, string dataDir, string? requestLog)
    {
        (_process, Port, DataDir, _requestLog) = (process, port, dataDir, requestLog);
    }

    readonly string? _requestLog;

    public int Port { get; }

    /// <summary>Where s3rver keeps the objects: DataDir/BUCKET/KEY._S3rver_object.</summary>
    public string DataDir { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public static string RepositoryRoot { get; } = FindRoot();

    /// <param name="logRequests">record every request, for <see cref="ObjectGets"/></param>
    public static S3TestServer Start(bool conditionalWrites = false, bool logRequests = false)
    {
        string data = Directory.CreateTempSubdirectory("gancluster-s3-").FullName;
        // Beside the data folder, not in it: s3rver treats the data folder's entries as buckets.
        string? requestLog = logRequests ? data + ".requests" : null;
        var command = Command(data, conditionalWrites, requestLog);
        var psi = new ProcessStartInfo(command.Program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in command.Args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in command.Environment) psi.Environment[k] = v;
        var process = Process.Start(psi)!;
        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(60)) || line.Result is not { } text || ListeningPort(text) is not { } port)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"s3rver did not start: {process.StandardError.ReadToEnd()}");
        }
        _ = process.StandardError.ReadToEndAsync(); // drain
        return new S3TestServer(process, port, data, requestLog);
    }

    /// <summary>
    /// The command line that runs s3rver on <paramref name="dataDir"/> with the test bucket, for whoever starts it: this
    /// class on loopback, or a test bed host on its own address (the Kubernetes launch test). It prints
    /// "listening PORT" (<see cref="ListeningPort"/>) once it accepts requests.
    /// </summary>
    public static (string Program, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Environment) Command(
        string dataDir, bool conditionalWrites, string? requestLog = null, string address = "127.0.0.1", int port = 0)
    {
        List<string> args = [Path.Combine(RepositoryRoot, "build/scripts/s3rver-host.js"), dataDir, Bucket, $"--address={address}", $"--port={port}"];
        if (conditionalWrites) args.Add("--conditional-writes");
        if (requestLog != null) args.Add("--request-log=" + requestLog);
        return ("node", args, new Dictionary<string, string> { ["NODE_PATH"] = Path.Combine(Tools.Value, "node_modules") });
    }

    /// <summary>The port in s3rver-host.js's "listening PORT" line; null for any other line.</summary>
    public static int? ListeningPort(string line) =>
        line.StartsWith("listening ", StringComparison.Ordinal) && int.TryParse(line["listening ".Length..], out int port) ? port : null;

    /// <summary>s3://BUCKET/<paramref name="prefix"/>.</summary>
    public static string Uri(string prefix) => $"s3://{Bucket}/{prefix}";

    /// <summary>
    /// The AWS variables that point a client at this server; another <paramref name="accessKey"/> gives wrong
    /// credentials (s3rver checks the key id, 403 InvalidAccessKeyId, but does not verify SigV4 signatures, so a wrong
    /// secret alone goes unnoticed by this server; S3 answers it with 403 SignatureDoesNotMatch, the same path).
    /// </summary>
    public Dictionary<string, string> Environment(string accessKey = AccessKey) => ClientEnvironment(Endpoint, accessKey);

    /// <summary>The AWS variables that point a client at an s3rver listening at <paramref name="endpoint"/>.</summary>
    public static Dictionary<string, string> ClientEnvironment(string endpoint, string accessKey = AccessKey) => new()
    {
        ["AWS_ENDPOINT_URL"] = endpoint,
        ["AWS_REGION"] = "us-east-1",
        ["AWS_ACCESS_KEY_ID"] = accessKey,
        ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    /// <summary>Points this process's S3 client at the server until disposed (tests that use it share one collection).</summary>
    public IDisposable UseInProcess(string accessKey = AccessKey)
    {
        var previous = Environment(accessKey).Keys.ToDictionary(k => k, System.Environment.GetEnvironmentVariable);
        foreach (var (k, v) in Environment(accessKey)) System.Environment.SetEnvironmentVariable(k, v);
        return new Restore(previous);
    }

    /// <summary>The file s3rver stores object <paramref name="key"/> in.</summary>
    public string ObjectFile(string key) => ObjectFileIn(DataDir, key);

    /// <summary>The file an s3rver with data folder <paramref name="dataDir"/> stores object <paramref name="key"/> in.</summary>
    public static string ObjectFileIn(string dataDir, string key) => Path.Combine(dataDir, Bucket, key + "._S3rver_object");

    /// <summary>The keys of the objects under <paramref name="prefix"/>, read from s3rver's data folder.</summary>
    public IReadOnlyList<string> Keys(string prefix) => KeysIn(DataDir, prefix);

    /// <summary>The keys of the objects under <paramref name="prefix"/> in the s3rver data folder <paramref name="dataDir"/>.</summary>
    public static IReadOnlyList<string> KeysIn(string dataDir, string prefix)
    {
        string root = Path.Combine(dataDir, Bucket);
        string dir = Path.Combine(root, prefix);
        if (!Directory.Exists(dir)) return [];
        return Directory.EnumerateFiles(dir, "*._S3rver_object", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f)[..^"._S3rver_object".Length].Replace('\\', '/'))
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The keys under <paramref name="prefix"/> that were read (GET), once per GET (needs logRequests).</summary>
    public IReadOnlyList<string> ObjectGets(string prefix)
    {
        string start = $"GET /{Bucket}/{prefix}/";
        return File.Exists(_requestLog ?? throw new InvalidOperationException("started without logRequests"))
            ? File.ReadAllLines(_requestLog).Where(l => l.StartsWith(start, StringComparison.Ordinal)).Select(l => l[$"GET /{Bucket}/".Length..]).ToList()
            : [];
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { }
        if (_requestLog != null) File.Delete(_requestLog);
    }

    static readonly Lazy<string> Tools = new(() =>
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(RepositoryRoot, "build/scripts/s3-tools.sh"));
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)) || p.ExitCode != 0)
            throw new InvalidOperationException($"s3-tools.sh failed: {stderr.Result}");
        return stdout.Result.Trim().Split('\n')[^1];
    });

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "GanCluster.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root (GanCluster.sln) not found above " + AppContext.BaseDirectory);
    }

    sealed class Restore(Dictionary<string, string?> previous) : IDisposable
    {
        public void Dispose()
        {
            foreach (var (k, v) in previous) System.Environment.SetEnvironmentVariable(k, v);
        }
    }
}
