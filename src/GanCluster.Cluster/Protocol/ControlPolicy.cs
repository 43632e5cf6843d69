namespace GanCluster.Cluster.Protocol;

/// <summary>
/// Which control messages a node acts on, from which senders (docs/security.md). Pure: plain values in, a refusal
/// reason (<see cref="ControlRefusal"/>) or null out; the actors ask it before handling any control message, after
/// the serializer has already checked that the message is sealed with the run token. It keeps one member of the
/// run from speaking for another, and a stale or confused member from being heard where it has no say:
/// <list type="bullet">
/// <item>a trainer hears only the run's coordinator (and its own process): worlds, aborts, stops, registration answers;</item>
/// <item>a world's resume checkpoint must be a checkpoint folder of the run (checkpoints/step-NNNNNN);</item>
/// <item>the coordinator hears reports about a world only from that world's members, each from its own node;</item>
/// <item>a known trainer id re-registers only from the actor (incarnation) it registered from.</item>
/// </list>
/// </summary>
public static class ControlPolicy
{
    /// <summary>Why a trainer must not act on <paramref name="message"/>; null when it may.</summary>
    /// <param name="coordinatorNodes">addresses of the cluster's live coordinator-role members</param>
    /// <param name="checkpointsDir">the run's checkpoints folder as this trainer sees it</param>
    public static string? TrainerRefusal(IControlMessage message, ControlSender sender, IReadOnlyCollection<string> coordinatorNodes,
        string checkpointsDir)
    {
        if (!sender.IsLocal && (sender.IsAnonymous || !coordinatorNodes.Contains(sender.Node))) return ControlRefusal.NotCoordinator;
        if (message is WorldFormed { ResumeCheckpoint: { } path } && !IsCheckpointOf(path, checkpointsDir)) return ControlRefusal.BadCheckpointPath;
        return null;
    }

    /// <summary>Why the coordinator must not act on <paramref name="message"/>; null when it may.</summary>
    public static string? CoordinatorRefusal(IControlMessage message, ControlSender sender, ICoordinatorMembership members)
    {
        if (sender.IsLocal) return null;
        return message switch
        {
            RegisterTrainer r => Registration(r.TrainerId, sender, members),
            TrainerProgress p => Report(p.Epoch, p.TrainerId, sender, members),
            TrainerFinished f => Report(f.Epoch, f.TrainerId, sender, members),
            TrainerFailed f => Report(f.Epoch, f.TrainerId, sender, members),
            CollapseReport c => Report(c.Epoch, c.TrainerId, sender, members),
            TrainerLeaving l => members.RegisteredFrom(l.TrainerId) is { } known && known.Node == sender.Node ? null : ControlRefusal.NotMember,
            RunEventReport => !sender.IsAnonymous && (members.KnowsNode(sender.Node) || members.Relearning) ? null : ControlRefusal.NotMember,
            _ => null, // what only the coordinator sends: the coordinator has no handler for it
        };
    }

    /// <summary>
    /// Why a trainer is refused registration (another protocol version, build or run spec), for the user; null when it
    /// may register. Any input is safe: a spec hash of any length (a short one used to throw).
    /// </summary>
    public static string? RegistrationRefusal(RegisterTrainer r, string softwareVersion, string specHash) =>
        r.Version != ControlProtocol.Version
            ? $"control protocol version {r.Version}, the coordinator speaks {ControlProtocol.Version}"
            : r.SoftwareVersion != softwareVersion
                ? $"software version {r.SoftwareVersion}, the coordinator runs {softwareVersion}: run the same build on every node"
                : r.SpecHash != specHash
                    ? $"run spec hash {Prefix(r.SpecHash)} differs from the coordinator's {Prefix(specHash)}: start every node with the same --config and --set options"
                    : null;

    /// <summary>A checkpoint folder directly under the run's checkpoints folder, named step-NNNNNN.</summary>
    public static bool IsCheckpointOf(string path, string checkpointsDir)
    {
        if (string.IsNullOrWhiteSpace(path) || path.Contains('\0')) return false;
        if (Core.Storage.S3Location.IsS3(checkpointsDir)) // checkpoint.uri: s3://... (no path normalisation: keys are literal)
            return Core.Storage.S3Location.TryParse(path, out _) is { } named && named.Split() is var (folder, stepName)
                   && folder.ToString() == checkpointsDir && Core.Runs.RunLayout.TryParseStepName(stepName, out _);
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        string parent = Path.TrimEndingDirectorySeparator(Path.GetFullPath(checkpointsDir));
        return string.Equals(Path.GetDirectoryName(full), parent, StringComparison.Ordinal)
               && Core.Runs.RunLayout.TryParseStepName(Path.GetFileName(full), out _);
    }

    static string? Registration(string trainerId, ControlSender sender, ICoordinatorMembership members)
    {
        if (sender.IsAnonymous) return ControlRefusal.NotMember;
        if (members.RegisteredFrom(trainerId) is { } known && known.Actor != sender.Actor) return ControlRefusal.Impostor;
        return null;
    }

    static string? Report(long epoch, string trainerId, ControlSender sender, ICoordinatorMembership members)
    {
        if (sender.IsAnonymous) return ControlRefusal.NotMember;
        return members.IsMember(epoch, trainerId, out var known) switch
        {
            null => null, // a world the coordinator no longer tracks: it ignores the report by its epoch
            false => ControlRefusal.NotMember,
            // Compared by node: rank 0's collapse report comes from a temporary Ask actor of the member's process.
            true => known is { } k && k.Node != sender.Node ? ControlRefusal.Impostor : null,
        };
    }

    static string Prefix(string? s) => s is null ? "(none)" : s.Length <= 12 ? s : s[..12];
}
