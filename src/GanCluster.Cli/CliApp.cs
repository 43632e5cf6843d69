using System.CommandLine;
using GanCluster.Cli.Commands;
using GanCluster.Core.Data;
using GanCluster.Core.Spec;

namespace GanCluster.Cli;

/// <summary>
/// The `gancluster` command line. Exit codes: 0 done, 1 runtime failure (with context), 2 bad input
/// (one line per problem: field, expected, found; never a stack trace), 130 interrupted.
/// </summary>
public static class CliApp
{
    public const int Ok = 0;
    public const int RuntimeFailure = 1;
    public const int BadInput = 2;
    public const int Interrupted = 130;

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("GanCluster: distributed GAN training (DCGAN, progressive GAN) with TorchSharp and Akka.NET");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(CoordinatorCommand.Create());
        root.Subcommands.Add(TrainerCommand.Create());
        root.Subcommands.Add(LocalCommand.Create());
        root.Subcommands.Add(ChaosCommand.Create());
        root.Subcommands.Add(StyleCommand.Create());
        root.Subcommands.Add(ClassifierCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(K8sCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        return root;
    }

    public static int Run(string[] args)
    {
        var parse = BuildRoot().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"gancluster: {error.Message}");
            Console.Error.WriteLine("Run 'gancluster --help' for usage.");
            return BadInput;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (Exception e) when (Unwrap(e) is SpecException spec)
        {
            foreach (var problem in spec.Problems) Console.Error.WriteLine($"{spec.Source}: {problem}");
            return BadInput;
        }
        catch (Exception e) when (Unwrap(e) is DataException data)
        {
            Console.Error.WriteLine($"data: {data.Message}");
            return BadInput;
        }
        catch (Exception e)
        {
            var inner = Unwrap(e);
            Console.Error.WriteLine($"error: {inner.GetType().Name}: {inner.Message}");
            if (Environment.GetEnvironmentVariable("GANCLUSTER_DEBUG") == "1") Console.Error.WriteLine(inner);
            else Console.Error.WriteLine("(set GANCLUSTER_DEBUG=1 for the stack trace)");
            return RuntimeFailure;
        }
    }

    static Exception Unwrap(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && e.InnerException != null)
            e = e.InnerException!;
        return e;
    }
}
