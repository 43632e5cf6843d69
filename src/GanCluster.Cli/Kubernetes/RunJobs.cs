using GanCluster.Cluster.Hosting;
using k8s.Models;

namespace GanCluster.Cli.Kubernetes;

/// <summary>
/// The run's workloads: one Indexed Job per role, so that the run ends like a job (docs/kubernetes.md, "Run to
/// completion"). The failure policy reads the CLI's exit codes: 0 done, 1 failed, 2 bad input, 3 removed from the
/// cluster (restart me), 130 SIGTERM; evictions and preemptions (DisruptionTarget) are not counted.
/// </summary>
public static class RunJobs
{
    public static V1Job Coordinator(RenderOptions o) => Job(o, NodeOptions.CoordinatorRole, pods: 1, new V1JobSpec
    {
        // A crashed coordinator pod is replaced (its journal lets the new one pick up the run).
        BackoffLimit = o.MaxRestarts,
        // 1: the run failed (replica hashes differ, collapse stop) or the coordinator could not run: a new pod would
        // find the ended run in its journal and exit 0, so the Job fails instead.
        PodFailurePolicy = FailurePolicy(failJob: [1, 2], failIndex: []),
    });

    public static V1Job Trainer(RenderOptions o) => Job(o, NodeOptions.TrainerRole, o.TrainerPods, new V1JobSpec
    {
        // A crashed trainer pod is replaced (same index, same hostname) up to this many times per index; the others go on.
        BackoffLimitPerIndex = o.MaxRestarts,
        // A trainer exits 0 only when the coordinator ends the run as complete: the first one completes the Job, and a
        // replacement pod still looking for the finished cluster is stopped.
        SuccessPolicy = new V1SuccessPolicy { Rules = [new V1SuccessPolicyRule { SucceededCount = 1 }] },
        // 1: the trainer spent its cluster.max_restarts in-process restarts, or a failed run stopped it: that index is done.
        PodFailurePolicy = FailurePolicy(failJob: [2], failIndex: [1]),
    });

    static V1Job Job(RenderOptions o, string role, int pods, V1JobSpec spec)
    {
        spec.CompletionMode = "Indexed";
        spec.Completions = spec.Parallelism = pods;
        spec.PodReplacementPolicy = "Failed";
        spec.Template = NodePod.Template(o, role, ManifestRenderer.Labels(o, role));
        return new V1Job { ApiVersion = "batch/v1", Kind = "Job", Metadata = ManifestRenderer.Meta(o, $"{o.Name}-{role}", role), Spec = spec };
    }

    static V1PodFailurePolicy FailurePolicy(int[] failJob, int[] failIndex)
    {
        var rules = new List<V1PodFailurePolicyRule>
        {
            new() { Action = "Ignore", OnPodConditions = [new V1PodFailurePolicyOnPodConditionsPattern { Type = "DisruptionTarget" }] },
            ExitCodes("FailJob", failJob),
        };
        if (failIndex.Length > 0) rules.Add(ExitCodes("FailIndex", failIndex));
        return new V1PodFailurePolicy { Rules = rules };
    }

    static V1PodFailurePolicyRule ExitCodes(string action, int[] codes) => new()
    {
        Action = action,
        OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { ContainerName = NodePod.ContainerName, OperatorProperty = "In", Values = codes },
    };
}
