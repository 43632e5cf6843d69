using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using GanCluster.Cluster.Hosting;
using GanCluster.Core.Runs;

namespace GanCluster.Cluster.Tests.MultiProcess;

/// <summary>
/// TLS on Akka remoting (`--tls-certificate`, docs/security.md): real coordinator and trainer processes with a
/// self-signed PKCS#12 cluster certificate made here. Nodes with the certificate form the cluster and train; a node
/// without TLS cannot join (the coordinator rejects its plaintext handshake), while the run goes on without it.
/// </summary>
public class RemotingTlsTests
{
    const string Password = "s3cret-for-tests";
    const string PasswordVariable = "GANCLUSTER_TEST_TLS_PASSWORD";

    readonly string _dir = TinyRun.TempDir("gancluster-tls-");

    static readonly string[] Spec = ["--set", "steps=4", "--set", "cluster.workers=1", .. TinyRun.Args];

    static readonly Dictionary<string, string> Environment = new()
    {
        ["GANCLUSTER_RUN_TOKEN"] = "tls-test-token",
        [PasswordVariable] = Password,
        ["GANCLUSTER_AKKA_LOGLEVEL"] = "WARNING", // the coordinator logs rejected handshakes at warning level
    };

    string TlsArgs => $"--tls-certificate={Path.Combine(_dir, "cluster.pfx")} --tls-password-env={PasswordVariable}";

    /// <summary>A self-signed certificate for 127.0.0.1 with its private key, as a password-protected PKCS#12 file.</summary>
    static void WriteCertificate(string path) =>
        File.WriteAllBytes(path, GanCluster.Cli.Local.RunCertificate.SelfSignedPkcs12("CN=gancluster-test", Password, TimeSpan.FromDays(7)));

    /// <summary>A started CLI process whose output is collected as it arrives.</summary>
    sealed class Node : IDisposable
    {
        readonly StringBuilder _output = new();
        public readonly Process Process;

        public Node(string dir, IEnumerable<string> args)
        {
            Process = Process.Start(CliProcess.StartInfo(dir, args, Environment))!;
            Process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
            Process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        public string Output { get { lock (_output) return _output.ToString(); } }

        /// <summary>Waits until the output contains <paramref name="text"/> (true) or the process exits / the deadline passes (false).</summary>
        public bool WaitFor(string text, TimeSpan deadline)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < deadline)
            {
                if (Output.Contains(text, StringComparison.Ordinal)) return true;
                if (Process.HasExited) return Output.Contains(text, StringComparison.Ordinal);
                Thread.Sleep(200);
            }
            return false;
        }

        public int WaitForExit(TimeSpan limit)
        {
            if (!Process.WaitForExit(limit)) throw new TimeoutException($"process {Process.Id} did not exit within {limit}:\n{Output}");
            Process.WaitForExit(); // flush the asynchronous readers
            return Process.ExitCode;
        }

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }

    static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    string[] Coordinator(int port) => ["coordinator", "--out", "run", "--port", port.ToString(), .. Spec, .. TlsArgs.Split(' ')];

    static string[] Trainer(int port, params string[] extra) =>
        ["trainer", "--out", "run", "--seed-nodes", NodeOptions.Address("127.0.0.1", port), .. Spec, .. extra];

    [Fact]
    public void Nodes_with_the_cluster_certificate_form_a_cluster_over_tls_and_train()
    {
        WriteCertificate(Path.Combine(_dir, "cluster.pfx"));
        int port = FreePort();
        using var coordinator = new Node(_dir, Coordinator(port));
        using var trainer = new Node(_dir, Trainer(port, TlsArgs.Split(' ')));
        Assert.True(trainer.WaitForExit(TimeSpan.FromMinutes(4)) == 0, trainer.Output);
        Assert.True(coordinator.WaitForExit(TimeSpan.FromMinutes(2)) == 0, coordinator.Output);
        Assert.DoesNotContain("TLS handshake failure", coordinator.Output);

        var events = JsonlWriter.ReadAll(Path.Combine(_dir, "run", "events.jsonl")).ToList();
        Assert.Single(events, e => (string)e["kind"]! == EventKind.MemberJoined);
        var complete = Assert.Single(events, e => (string)e["kind"]! == EventKind.RunComplete);
        Assert.True((bool)complete["details"]!["replicas_identical"]!);
        Assert.Equal(4L, (long)complete["step"]!);
    }

    [Fact]
    public void A_node_without_tls_cannot_join_a_tls_cluster()
    {
        WriteCertificate(Path.Combine(_dir, "cluster.pfx"));
        int port = FreePort();
        using var coordinator = new Node(_dir, Coordinator(port));
        using var plain = new Node(_dir, Trainer(port));
        // Positive evidence, not a timeout: the coordinator rejects the plaintext node's handshake.
        Assert.True(coordinator.WaitFor("TLS handshake failure", TimeSpan.FromMinutes(2)),
            $"coordinator:\n{coordinator.Output}\nplain trainer:\n{plain.Output}");

        // A node with the certificate joins the same coordinator and the run completes without the plaintext node.
        using var secure = new Node(_dir, Trainer(port, TlsArgs.Split(' ')));
        Assert.True(secure.WaitForExit(TimeSpan.FromMinutes(4)) == 0, secure.Output);
        Assert.True(coordinator.WaitForExit(TimeSpan.FromMinutes(2)) == 0, coordinator.Output);
        Assert.False(plain.Process.HasExited, plain.Output); // still knocking: it never joined, so nothing told it to stop

        var joined = JsonlWriter.ReadAll(Path.Combine(_dir, "run", "events.jsonl"))
            .Where(e => (string)e["kind"]! == EventKind.MemberJoined).Select(e => (string)e["details"]!["trainer"]!).ToList();
        var trainerId = Assert.Single(joined);
        Assert.Contains($":{secure.Process.Id}.", trainerId); // host:pid.incarnation/device
    }

    [Fact]
    public void A_wrong_certificate_password_is_one_clear_line_and_exit_code_2()
    {
        WriteCertificate(Path.Combine(_dir, "cluster.pfx"));
        var r = CliProcess.Run(_dir, TimeSpan.FromMinutes(2),
            Trainer(FreePort(), $"--tls-certificate={Path.Combine(_dir, "cluster.pfx")}", "--tls-password-env=GANCLUSTER_TEST_NO_SUCH_VARIABLE"),
            Environment);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("--tls-certificate", r.Stdout + r.Stderr);
        Assert.DoesNotContain("   at ", r.Stdout + r.Stderr);
    }

    [Fact]
    public void A_local_run_over_tls_trains_with_two_workers_and_a_bad_certificate_is_refused_before_any_process_starts()
    {
        WriteCertificate(Path.Combine(_dir, "cluster.pfx"));
        var r = CliProcess.Run(_dir, TimeSpan.FromMinutes(6),
            ["local", "--workers", "2", "--out", "run", "--set", "steps=4", .. TinyRun.Args, .. TlsArgs.Split(' ')], Environment);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("TLS handshake failure", r.Stdout + r.Stderr);
        var complete = Assert.Single(JsonlWriter.ReadAll(Path.Combine(_dir, "run", "events.jsonl")), e => (string)e["kind"]! == EventKind.RunComplete);
        Assert.Equal(2, (int)complete["details"]!["world_size"]!);
        Assert.True((bool)complete["details"]!["replicas_identical"]!);

        var bad = CliProcess.Run(_dir, TimeSpan.FromMinutes(2),
            ["local", "--workers", "2", "--out", "run2", "--set", "steps=4", .. TinyRun.Args, "--tls-certificate", "missing.pfx"], Environment);
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("--tls-certificate", bad.Stdout + bad.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_dir, "run2", "local")), "no process may start with a bad certificate");
    }

    [Theory]
    [InlineData("akka.tcp://gancluster@10.0.0.1:4053", true, "akka.ssl.tcp://gancluster@10.0.0.1:4053")]
    [InlineData("akka.ssl.tcp://gancluster@10.0.0.1:4053", true, "akka.ssl.tcp://gancluster@10.0.0.1:4053")]
    [InlineData("akka.ssl.tcp://gancluster@10.0.0.1:4053", false, "akka.tcp://gancluster@10.0.0.1:4053")]
    [InlineData("akka.tcp://gancluster@10.0.0.1:4053", false, "akka.tcp://gancluster@10.0.0.1:4053")]
    public void Seed_addresses_follow_the_nodes_transport(string seed, bool tls, string expected) =>
        Assert.Equal(expected, NodeOptions.ForTransport(seed, tls));
}
