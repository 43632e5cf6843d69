using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using GanCluster.Cluster.Protocol;
using GanCluster.Core.Checkpoints;
using GanCluster.Core.Runs;
using GanCluster.Core.Spec;
using GanCluster.Training.Checkpointing;

namespace GanCluster.Cluster.Coordinator;

/// <summary>
/// The run's coordinator (a cluster singleton). It owns membership, the world (members, ranks, epoch), the
/// start step, events.jsonl and the end of the run; it is not on the per-step path (trainers exchange gradients
/// among themselves and report here every cluster.progress_every steps). States follow the run's phases:
/// WaitingForTrainers -> Training -> Stopped.
/// </summary>
public sealed class CoordinatorActor : ReceiveActor
{
    readonly CoordinatorSettings _settings;
    readonly RunSpec _spec;
    readonly string _specHash;
    readonly RunLayout _layout;
    readonly ILoggingAdapter _log = Context.GetLogger();
    readonly Dictionary<string, Registration> _registered = [];
    readonly List<string> _registrationOrder = [];
    EventLog? _events;
    World? _world;
    long _startStep;
    string? _resumeCheckpoint;
    readonly Dictionary<string, string> _finishedHashes = [];

    sealed record Registration(string TrainerId, IActorRef Ref, RegisterTrainer Message);

    sealed record World(long Epoch, IReadOnlyList<WorldMember> Members, IReadOnlyDictionary<string, IActorRef> Refs);

    public CoordinatorActor(CoordinatorSettings settings)
    {
        _settings = settings;
        _spec = settings.Spec;
        _specHash = SpecDiff.Hash(_spec);
        _layout = new RunLayout(settings.RunDir);
        WaitingForTrainers();
    }

    public static Props Props(CoordinatorSettings settings) => Akka.Actor.Props.Create(() => new CoordinatorActor(settings));

    protected override void PreStart()
    {
        try
        {
            PrepareRun();
        }
        catch (SpecException e)
        {
            foreach (var p in e.Problems) _settings.Log($"{e.Source}: {p}");
            Stop(exitCode: 2, reason: "bad input", failed: true);
        }
    }

    void PrepareRun()
    {
        RunDirectory.Prepare(_layout, SpecEmitter.ToYaml(_spec), _settings.Resume, _spec.Checkpoint.Keep);
        if (_settings.Resume)
        {
            var found = new CheckpointStore(_layout.CheckpointsDir, _spec.Checkpoint.Keep)
                .FindNewestValid(w => Note($"warning: {w}"));
            if (found is { } f)
            {
                var saved = RunSpecLoader.Parse(File.ReadAllText(Path.Combine(f.Path, TrainerSnapshot.Spec)));
                var differences = SpecDiff.TrainingDifferences(saved, _spec);
                if (differences.Count > 0 && !_settings.Force)
                    throw new SpecException(differences.Select(d => new SpecProblem(d.Path,
                        $"{d.Before} (as in checkpoint {RunLayout.StepName(f.Step)}; pass --force to resume anyway)", d.After)).ToList(), "--resume");
                (_startStep, _resumeCheckpoint) = (f.Step, f.Path);
                Note($"resuming from {f.Path}");
            }
            else Note("--resume: no valid checkpoint; starting from step 0");
        }
        // Events after the step we start from belong to a run that did not commit them.
        _events = new EventLog(_layout.EventsFile, truncateAfterStep: _startStep);
        Note($"run {_settings.RunId}: waiting for {_spec.Cluster.Workers} trainer(s); run directory {_layout.Root}");
    }

    // ---- WaitingForTrainers: collect registrations until the world can be formed.
    void WaitingForTrainers()
    {
        Receive<RegisterTrainer>(r =>
        {
            if (!Register(r)) return;
            if (_registered.Count >= _spec.Cluster.Workers) FormWorld();
        });
        Receive<Terminated>(t => Forget(t.ActorRef));
        Receive<RunEventReport>(WriteEvent);
    }

    // ---- Training: the world trains; the coordinator watches and records.
    void Training()
    {
        Receive<RegisterTrainer>(r => Register(r)); // a standby for later worlds
        Receive<TrainerProgress>(p =>
        {
            if (!IsCurrent(p.Epoch)) return;
            if (p.Rank == 0)
                Note($"step {p.Step}/{_spec.Steps} | world {_world!.Members.Count} (epoch {p.Epoch}) | {p.ImagesPerSecond:F0} img/s | Loss_D {p.LossD:F4} Loss_G {p.LossG:F4}");
        });
        Receive<RunEventReport>(WriteEvent);
        Receive<TrainerFinished>(f =>
        {
            if (!IsCurrent(f.Epoch)) return;
            _finishedHashes[f.TrainerId] = f.ReplicaHash;
            if (_finishedHashes.Count < _world!.Members.Count) return;
            bool identical = _finishedHashes.Values.Distinct().Count() == 1;
            _events?.Write(f.Step, EventKind.RunComplete, new JsonObject
            {
                ["world_size"] = _world.Members.Count,
                ["replicas_identical"] = identical,
                ["replica_hash"] = _finishedHashes.Values.First(),
            });
            Note(identical
                ? $"done: {f.Step} steps; all {_world.Members.Count} replicas identical ({_finishedHashes.Values.First()[..12]})"
                : $"done: {f.Step} steps, but replica hashes differ: {string.Join(", ", _finishedHashes.Values.Select(h => h[..12]))}");
            Stop(exitCode: identical ? 0 : 1, reason: "run complete", failed: !identical);
        });
        Receive<TrainerFailed>(f =>
        {
            if (!IsCurrent(f.Epoch)) return;
            Note($"trainer {f.TrainerId} failed at step {f.Step}: {f.Reason}");
            _events?.Write(f.Step, EventKind.TrainerFailed, new JsonObject { ["trainer"] = f.TrainerId, ["reason"] = f.Reason });
            Stop(exitCode: f.Fatal ? 2 : 1, reason: $"trainer {f.TrainerId} failed: {f.Reason}", failed: true);
        });
        Receive<Terminated>(t =>
        {
            var lost = _registered.Values.FirstOrDefault(r => r.Ref.Equals(t.ActorRef));
            Forget(t.ActorRef);
            if (lost == null || _world == null || !_world.Refs.ContainsKey(lost.TrainerId)) return;
            Note($"trainer {lost.TrainerId} left the cluster during training");
            _events?.Write(-1, EventKind.MemberLost, new JsonObject { ["trainer"] = lost.TrainerId, ["epoch"] = _world.Epoch });
            Stop(exitCode: 1, reason: $"trainer {lost.TrainerId} lost", failed: true);
        });
    }

    void Stopped()
    {
        Receive<RegisterTrainer>(_ => Sender.Tell(new RegistrationRefused(ControlProtocol.Version, "the run is over")));
        ReceiveAny(_ => { });
    }

    bool Register(RegisterTrainer r)
    {
        string? refusal = r.Version != ControlProtocol.Version
            ? $"control protocol version {r.Version}, the coordinator speaks {ControlProtocol.Version}"
            : r.SoftwareVersion != _settings.SoftwareVersion
                ? $"software version {r.SoftwareVersion}, the coordinator runs {_settings.SoftwareVersion}: run the same build on every node"
                : r.SpecHash != _specHash
                    ? $"run spec hash {r.SpecHash[..12]} differs from the coordinator's {_specHash[..12]}: start every node with the same --config and --set options"
                    : null;
        if (refusal != null)
        {
            Note($"refused trainer {r.TrainerId}: {refusal}");
            _events?.Write(_startStep, EventKind.TrainerRefused, new JsonObject { ["trainer"] = r.TrainerId, ["reason"] = refusal });
            Sender.Tell(new RegistrationRefused(ControlProtocol.Version, refusal));
            return false;
        }
        if (!_registered.ContainsKey(r.TrainerId))
        {
            _registered[r.TrainerId] = new Registration(r.TrainerId, Sender, r);
            _registrationOrder.Add(r.TrainerId);
            Context.Watch(Sender);
            Note($"trainer {r.TrainerId} registered ({r.Device}, data plane {r.DataHost}:{r.DataPort}); {_registered.Count}/{_spec.Cluster.Workers}");
            _events?.Write(_startStep, EventKind.MemberJoined, new JsonObject { ["trainer"] = r.TrainerId, ["device"] = r.Device });
        }
        Sender.Tell(new RegistrationAccepted(ControlProtocol.Version, _settings.RunId, _spec.Cluster.Workers));
        return true;
    }

    void Forget(IActorRef actor)
    {
        var gone = _registered.Values.FirstOrDefault(r => r.Ref.Equals(actor));
        if (gone == null) return;
        _registered.Remove(gone.TrainerId);
        _registrationOrder.Remove(gone.TrainerId);
    }

    void FormWorld()
    {
        var chosen = _registrationOrder.Take(_spec.Cluster.Workers).Select(id => _registered[id]).ToList();
        var members = chosen.Select((r, rank) => new WorldMember(rank, r.TrainerId, r.Message.DataHost, r.Message.DataPort)).ToList();
        _world = new World((_world?.Epoch ?? 0) + 1, members, chosen.ToDictionary(r => r.TrainerId, r => r.Ref));
        var message = new WorldFormed(ControlProtocol.Version, _world.Epoch, members, _startStep, _resumeCheckpoint);
        foreach (var r in chosen) r.Ref.Tell(message);
        _events?.Write(_startStep, EventKind.WorldFormed, new JsonObject
        {
            ["epoch"] = _world.Epoch,
            ["world_size"] = members.Count,
            ["start_step"] = _startStep,
            ["members"] = new JsonArray(members.Select(m => (JsonNode)new JsonObject { ["rank"] = m.Rank, ["trainer"] = m.TrainerId }).ToArray()),
        });
        Note($"world {_world.Epoch} formed: {members.Count} rank(s), starting at step {_startStep}");
        Become(Training);
    }

    bool IsCurrent(long epoch) => _world != null && epoch == _world.Epoch;

    void WriteEvent(RunEventReport e)
    {
        JsonObject? details = null;
        try { details = JsonNode.Parse(e.DetailsJson) as JsonObject; }
        catch (System.Text.Json.JsonException) { }
        _events?.Write(e.Step, e.Kind, details);
    }

    void Stop(int exitCode, string reason, bool failed)
    {
        if (_world != null)
            foreach (var r in _world.Refs.Values) r.Tell(new StopTraining(ControlProtocol.Version, reason, failed));
        foreach (var r in _registered.Values.Where(r => _world == null || !_world.Refs.ContainsKey(r.TrainerId)))
            r.Ref.Tell(new StopTraining(ControlProtocol.Version, reason, failed));
        Become(Stopped);
        _settings.Finished(exitCode);
    }

    void Note(string line)
    {
        _log.Info(line);
        _settings.Log(line);
    }

    protected override void PostStop() => _events?.Dispose();
}
