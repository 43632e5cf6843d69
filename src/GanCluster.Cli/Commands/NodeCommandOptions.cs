using System.CommandLine;
using GanCluster.Cluster.Hosting;
using GanCluster.Core.Spec;

namespace GanCluster.Cli.Commands;

/// <summary>The node options shared by `coordinator` and `trainer`: where to bind, how to find the cluster.</summary>
public sealed class NodeCommandOptions
{
    /// <summary>The run's secret token, the same on every node (a Kubernetes Secret; `local` generates one).</summary>
    public const string TokenVariable = "GANCLUSTER_RUN_TOKEN";

    readonly Option<string> _host = new("--host") { Description = "address to bind Akka remoting to", DefaultValueFactory = _ => "127.0.0.1" };
    readonly Option<string?> _publicHost = new("--public-host") { Description = "address other nodes use to reach this one (default: --host)" };
    readonly Option<int> _port;
    readonly Option<string> _discovery = new("--discovery")
    {
        Description = "how the node finds the cluster: seed-nodes (--seed-nodes), or kubernetes (Akka.Management bootstrap; " +
                      $"reads {KubernetesBootstrapOptions.PodIpVariable}, {KubernetesBootstrapOptions.LabelSelectorVariable}, " +
                      $"{KubernetesBootstrapOptions.RequiredContactPointsVariable}, {KubernetesBootstrapOptions.ManagementPortVariable} from the pod)",
        DefaultValueFactory = _ => "seed-nodes",
    };
    readonly Option<string[]> _seeds = new("--seed-nodes")
    {
        Description = "seed nodes as host:port (or akka.tcp://gancluster@host:port), e.g. 10.0.0.5:4053 (repeatable or comma-separated)",
        Arity = ArgumentArity.ZeroOrMore,
    };

    readonly Option<string?> _tlsCertificate = new("--tls-certificate")
    {
        Description = "TLS on Akka remoting: a PKCS#12 (.pfx/.p12) cluster certificate that every node presents and accepts (docs/security.md)",
    };
    readonly Option<string> _tlsPasswordEnv = new("--tls-password-env")
    {
        Description = "environment variable holding the --tls-certificate password (unset or empty: no password)",
        DefaultValueFactory = _ => "GANCLUSTER_TLS_PASSWORD",
    };

    NodeCommandOptions(int defaultPort) =>
        _port = new Option<int>("--port") { Description = "Akka remoting port (0: any free port)", DefaultValueFactory = _ => defaultPort };

    public static NodeCommandOptions Create(int defaultPort) => new(defaultPort);

    public void AddTo(Command command)
    {
        command.Options.Add(_host);
        command.Options.Add(_publicHost);
        command.Options.Add(_port);
        command.Options.Add(_seeds);
        command.Options.Add(_discovery);
        command.Options.Add(_tlsCertificate);
        command.Options.Add(_tlsPasswordEnv);
    }

    public NodeOptions Read(System.CommandLine.ParseResult parse, string role) =>
        ReadNode(parse, role, GanCluster.Collective.RunToken.FromSecret(ReadTokenSecret())) with { Tls = ReadTls(parse) };

    /// <summary>The run token from the environment: control messages are sealed with it, data-plane connections prove it.</summary>
    public static string ReadTokenSecret() => Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } t ? t
        : throw new SpecException(TokenVariable, "the run's secret token in the environment (the same on every node)", "nothing", "input");

    RemotingTls? ReadTls(System.CommandLine.ParseResult parse)
    {
        if (parse.GetValue(_tlsCertificate) is not { Length: > 0 } path) return null;
        string variable = parse.GetValue(_tlsPasswordEnv) ?? "GANCLUSTER_TLS_PASSWORD";
        return RemotingTls.Load(path, Environment.GetEnvironmentVariable(variable) is { Length: > 0 } password ? password : null);
    }

    NodeOptions ReadNode(System.CommandLine.ParseResult parse, string role, GanCluster.Collective.RunToken token)
    {
        string host = parse.GetValue(_host) ?? "127.0.0.1";
        string? publicHost = parse.GetValue(_publicHost);
        int port = parse.GetValue(_port);
        if (port is < 0 or > 65535) throw new SpecException("--port", "a TCP port from 0 to 65535", port.ToString(), "input");
        switch (parse.GetValue(_discovery))
        {
            case "seed-nodes" or null: break;
            case "kubernetes":
                if ((parse.GetValue(_seeds) ?? []).Length > 0)
                    throw new SpecException("--seed-nodes", "no seed nodes with --discovery kubernetes (the cluster bootstrap finds the pods)", "seed nodes", "input");
                var (k8s, podIp) = KubernetesBootstrapOptions.FromEnvironment(Environment.GetEnvironmentVariable);
                return new NodeOptions
                {
                    Token = token,
                    Role = role, Host = host, PublicHost = publicHost ?? podIp, Port = port,
                    Discovery = DiscoveryMode.Kubernetes, Kubernetes = k8s,
                };
            case var other:
                throw new SpecException("--discovery", "seed-nodes or kubernetes", $"'{other}'", "input");
        }
        var seeds = new List<string>();
        foreach (var seed in (parse.GetValue(_seeds) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            seeds.Add(SeedAddress.ToAkka(seed)
                ?? throw new SpecException("--seed-nodes", $"host:port or akka.tcp://{NodeOptions.SystemName}@host:port", $"'{seed}'", "input"));
        if (seeds.Count == 0)
        {
            if (role != NodeOptions.CoordinatorRole || port == 0)
                throw new SpecException("--seed-nodes", "at least one seed node address (the coordinator's)", "none", "input");
            seeds.Add(NodeOptions.Address(publicHost ?? host, port)); // the coordinator seeds the cluster itself
        }
        return new NodeOptions { Token = token, Role = role, Host = host, PublicHost = publicHost, Port = port, SeedNodes = seeds };
    }
}
