using System.CommandLine;
using GanCluster.Cli.Local;
using GanCluster.Cli.Terminal;
using GanCluster.Cluster.Hosting;
using GanCluster.Core.Spec;
using GanCluster.Telemetry.Logging;

namespace GanCluster.Cli.Commands;

/// <summary>`gancluster local`: a whole cluster run on this machine (coordinator + N trainer processes).</summary>
public static class LocalCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var set = CommonOptions.Set();
        var output = CommonOptions.Out();
        var workers = new Option<int>("--workers", "-n") { Description = "trainer processes (ranks)", DefaultValueFactory = _ => 2 };
        var resume = new Option<bool>("--resume") { Description = "continue the run in --out from its newest valid checkpoint" };
        var force = new Option<bool>("--force") { Description = "with --resume: accept training-defining spec changes" };
        var tlsCertificate = new Option<string?>("--tls-certificate")
        {
            Description = "TLS on Akka remoting for every process: a PKCS#12 cluster certificate (docs/security.md)",
        };
        var tlsPasswordEnv = new Option<string>("--tls-password-env")
        {
            Description = "environment variable holding the certificate's password (the processes inherit it)",
            DefaultValueFactory = _ => "GANCLUSTER_TLS_PASSWORD",
        };
        var tensorboard = CommonOptions.TensorBoard();
        var noTls = new Option<bool>("--no-tls")
        {
            Description = "plaintext Akka remoting; by default `local` makes a certificate for the run (RUN_DIR/local/tls, docs/security.md)",
        };
        var command = new Command("local", "run a coordinator and N trainer processes on this machine")
            { config, set, output, workers, resume, force, tlsCertificate, tlsPasswordEnv, noTls, tensorboard };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(workers);
            if (n is < 1 or > 64) throw new SpecException("--workers", "a number of trainers from 1 to 64", n.ToString(), "input");
            string? configFile = parse.GetValue(config);
            var sets = parse.GetValue(set) ?? [];
            var spec = CommonOptions.LoadSpec(configFile, [.. sets, $"cluster.workers={n}"]); // bad input fails here, before any process starts
            bool isResume = parse.GetValue(resume);
            string? outDir = parse.GetValue(output);
            if (isResume && outDir == null) throw new SpecException("--out", "the run directory to resume (with --resume)", "nothing", "input");
            outDir = Path.GetFullPath(outDir ?? CommonOptions.DefaultRunDir(configFile));
            // Every endpoint on loopback: metrics (Akka remoting and the data plane bind to --host, 127.0.0.1 by default).
            var nodeArgs = new List<string> { "--metrics-host", "127.0.0.1" };
            var childEnvironment = new Dictionary<string, string>();
            bool plaintext = parse.GetValue(noTls);
            if (plaintext && parse.GetValue(tlsCertificate) is { Length: > 0 })
                throw new SpecException("--no-tls", "either --no-tls or --tls-certificate", "both", "input");
            if (parse.GetValue(tlsCertificate) is { Length: > 0 } certificate)
            {
                // Checked here, before any process starts: a bad file or password is one line and exit 2.
                string variable = parse.GetValue(tlsPasswordEnv)!;
                RemotingTls.Load(certificate, Environment.GetEnvironmentVariable(variable) is { Length: > 0 } password ? password : null);
                nodeArgs.AddRange(["--tls-certificate", Path.GetFullPath(certificate), "--tls-password-env", variable]);
            }
            else if (!plaintext)
            {
                // TLS by default: a certificate for this run, pinned by every node, so only the run's processes join.
                var (path, password) = RunCertificate.Create(outDir);
                nodeArgs.AddRange(["--tls-certificate", path, "--tls-password-env", RunCertificate.PasswordVariable]);
                childEnvironment[RunCertificate.PasswordVariable] = password;
                NodeLog.Info($"TLS on Akka remoting with a certificate made for this run: {path}");
            }
            var specArgs = new List<string>();
            if (configFile != null) specArgs.AddRange(["--config", Path.GetFullPath(configFile)]);
            foreach (var s in sets) specArgs.AddRange(["--set", s]);
            specArgs.AddRange(["--set", $"cluster.workers={n}"]);
            NodeLog.Info($"run directory: {outDir}");
            NodeLog.Info($"local cluster: 1 coordinator + {n} trainer process(es); {(spec.Steps is { } steps ? $"{steps} steps" : "the whole progressive schedule")} of {spec.BatchSize} images per rank");
            var run = new LocalRun(new LocalRunOptions
            {
                RunDir = outDir,
                Workers = n,
                SpecArgs = specArgs,
                NodeArgs = nodeArgs,
                ChildEnvironment = childEnvironment,
                Resume = isResume,
                Force = parse.GetValue(force),
                // One process per rank on one machine: share the cores instead of oversubscribing them.
                ThreadsPerTrainer = spec.Threads == 0 ? Math.Max(1, Environment.ProcessorCount / n) : null,
                TensorBoardDir = parse.GetValue(tensorboard) is { Length: > 0 } board ? Path.GetFullPath(board) : null,
            });
            using var signal = new ShutdownSignal();
            int code = run.RunAsync(signal.Token).GetAwaiter().GetResult();
            return signal.Requested ? signal.ExitCode : code;
        });
        return command;
    }
}
