using GanCluster.TestBed.Network;
using GanCluster.TestBed.Processes;
using GanCluster.Testing;

namespace GanCluster.Kubernetes.Tests.Launch;

/// <summary>
/// The S3-compatible server of a launch on the test bed: s3rver (with the conditional writes the world fence needs,
/// <see cref="S3TestServer"/>) on a bed host of its own, at that host's 198.18.0.0/15 address, as a cluster's MinIO or
/// Ceph RGW would be reached from the pods. The test reads the bucket through s3rver's data folder; the bed's Dispose
/// stops the process with the host.
/// </summary>
public sealed class BedS3Server
{
    public const int Port = 9000;

    BedS3Server(BedHost host, string dataDir) => (Host, DataDir) = (host, dataDir);

    public BedHost Host { get; }

    public string DataDir { get; }

    /// <summary>What the pods' AWS_ENDPOINT_URL names.</summary>
    public string Endpoint => $"http://{Host.Address}:{Port}";

    public static async Task<BedS3Server> StartAsync(Bed bed, string dataDir, CancellationToken cancel)
    {
        var host = bed.AddHost("s3");
        Directory.CreateDirectory(dataDir);
        var (program, args, environment) = S3TestServer.Command(dataDir, conditionalWrites: true, address: host.Address.ToString(), port: Port);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Start(new ProcessSpec
        {
            Name = "s3rver", Command = program, Args = args, Environment = environment, Restart = RestartPolicy.Never,
            Output = line => { if (S3TestServer.ListeningPort(line) != null) listening.TrySetResult(); },
        });
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), cancel);
        return new BedS3Server(host, dataDir);
    }

    /// <summary>The keys under <paramref name="prefix"/> (s3://BUCKET/prefix/...).</summary>
    public IReadOnlyList<string> Keys(string prefix) => S3TestServer.KeysIn(DataDir, prefix);

    public string ObjectFile(string key) => S3TestServer.ObjectFileIn(DataDir, key);

    /// <summary>
    /// The objects under <paramref name="prefix"/> copied into <paramref name="folder"/> by key (s3rver keeps each
    /// object's bytes in one file), so that a checkpoint in the bucket can be checked by the on-disk verifier.
    /// </summary>
    public void CopyTo(string prefix, string folder)
    {
        foreach (var key in Keys(prefix))
        {
            string target = Path.Combine(folder, key[(prefix.TrimEnd('/').Length + 1)..]);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(ObjectFile(key), target);
        }
    }
}
