using System.Text.Json.Nodes;
using GanCluster.Core.Collapse;
using GanCluster.Core.Planning;
using GanCluster.Core.Progressive;
using GanCluster.Core.Quality;
using GanCluster.Core.Runs;
using GanCluster.Core.Runs.Events;

namespace GanCluster.Core.Tests.Runs;

/// <summary>
/// metrics.jsonl and events.jsonl are a contract (the report, the Prometheus bridge, chaos and the tests read them):
/// the typed records must write exactly the fields, values and order the files have always had. Each expected line
/// below is the JSON the trainer and coordinator built by hand before the records existed.
/// </summary>
public class RunJsonTests
{
    static void Same(string expected, JsonObject actual) => Assert.Equal(expected, actual.ToJsonString());

    static QualityReading Quality() => QualityReading.Of(new QualityMeasures("mnist", 64, 1000, 12.3456789, 0.00123456789, 0.0004,
        new ManifoldMeasures(0.75, 0.5, 1.0312346, 0.875)));

    /// <summary>The quality fields as the collapse monitor added them to a row and to the run's last event (6 decimals).</summary>
    const string QualityJson = "\"fid\":12.345679,\"kid\":0.001235,\"kid_std\":0.0004,\"precision\":0.75,\"recall\":0.5,\"density\":1.031235,\"coverage\":0.875,\"features\":\"mnist\"";

    static CollapseMeasures Measures(bool classifier) => new(64, 0.8123456, 0.0312345,
        classifier ? new ClassCoverage([0.5, 0.25, 0.25], 3, 0.0431234, 0.9) : null, 0.2345678);

    [Fact]
    public void A_metrics_row_writes_its_fields_in_order_with_non_finite_statistics_as_null()
    {
        var row = new MetricsRow
        {
            Step = 12, Epoch = 1, LossD = double.NaN, LossG = 2.5, DReal = 0.75, DFake = 0.25, RealSign = 0.5, GradNormD = double.PositiveInfinity,
            GradNormG = 1.25, LrD = 2e-4, LrG = 1e-4, DSkipped = 0, Resolution = 32, Phase = "stable", Alpha = 1, BatchSize = 16,
            Images = 192, ImagesPerS = 123.45, DataWaitSeconds = 0.0125, SkippedNonfinite = 1, WorldSize = 2, Time = 1700000000.123,
        };
        Same("""{"step":12,"epoch":1,"loss_d":null,"loss_g":2.5,"d_real":0.75,"d_fake":0.25,"r_t":0.5,"grad_norm_d":null,"grad_norm_g":1.25,"lr_d":0.0002,"lr_g":0.0001,"d_skipped":0,"resolution":32,"phase":"stable","alpha":1,"batch_size":16,"images":192,"images_per_s":123.45,"data_wait_seconds":0.0125,"skipped_nonfinite":1,"world_size":2,"time":1700000000.123}""",
            RunJson.Row(row));
    }

    [Fact]
    public void A_metrics_row_with_a_replica_check_and_a_collapse_evaluation_carries_their_fields_at_its_top_level()
    {
        var row = new MetricsRow
        {
            Step = 4, Epoch = 0, LossD = 1, LossG = 2, DReal = 0.5, DFake = 0.5, RealSign = 0, GradNormD = 3, GradNormG = 4, LrD = 1, LrG = 1,
            DSkipped = 1, Resolution = 8, Phase = "fade-in", Alpha = 0.25, BatchSize = 8, Images = 32, ImagesPerS = 10, DataWaitSeconds = 0, SkippedNonfinite = 0,
            WorldSize = 1, Time = 5, ReplicaHashOk = true,
            Collapse = new MetricsCollapseFields(2, CollapseReading.Of(Measures(classifier: false), suspected: true), 64, null, 0.1234, null),
        };
        Same("""{"step":4,"epoch":0,"loss_d":1,"loss_g":2,"d_real":0.5,"d_fake":0.5,"r_t":0,"grad_norm_d":3,"grad_norm_g":4,"lr_d":1,"lr_g":1,"d_skipped":1,"resolution":8,"phase":"fade-in","alpha":0.25,"batch_size":8,"images":32,"images_per_s":10,"data_wait_seconds":0,"skipped_nonfinite":0,"world_size":1,"time":5,"replica_hash_ok":true,"collapse_step":2,"diversity":0.81235,"duplicate_rate":0.03123,"classes_covered":null,"class_histogram":null,"kl_uniform":null,"collapse_score":0.23457,"collapse_suspected":true,"collapse_n":64,"collapse_eval_s":0.1234}""",
            RunJson.Row(row));
    }

    [Fact]
    public void A_collapse_evaluation_with_sample_quality_writes_the_quality_fields_after_collapse_n()
    {
        var row = new MetricsRow
        {
            Step = 4, Epoch = 0, LossD = 1, LossG = 2, DReal = 0.5, DFake = 0.5, RealSign = 0, GradNormD = 3, GradNormG = 4, LrD = 1, LrG = 1,
            DSkipped = 0, Resolution = 8, Phase = "stable", Alpha = 1, BatchSize = 8, Images = 32, ImagesPerS = 10, DataWaitSeconds = 0, SkippedNonfinite = 0,
            WorldSize = 1, Time = 5,
            Collapse = new MetricsCollapseFields(2, CollapseReading.Of(Measures(classifier: false), suspected: false), 64, Quality(), 0.1234, 2.5),
        };
        Same("""{"step":4,"epoch":0,"loss_d":1,"loss_g":2,"d_real":0.5,"d_fake":0.5,"r_t":0,"grad_norm_d":3,"grad_norm_g":4,"lr_d":1,"lr_g":1,"d_skipped":0,"resolution":8,"phase":"stable","alpha":1,"batch_size":8,"images":32,"images_per_s":10,"data_wait_seconds":0,"skipped_nonfinite":0,"world_size":1,"time":5,"collapse_step":2,"diversity":0.81235,"duplicate_rate":0.03123,"classes_covered":null,"class_histogram":null,"kl_uniform":null,"collapse_score":0.23457,"collapse_suspected":false,"collapse_n":64,""" + QualityJson + ""","collapse_eval_s":0.1234,"collapse_reference_s":2.5}""",
            RunJson.Row(row));
    }

    [Fact]
    public void Trainer_events_write_the_details_they_always_had()
    {
        Same("""{"steps":100,"total_steps":100,"world_size":1,"data":"MNIST","device":"cpu","spec_hash":"abc"}""",
            RunJson.Details(new RunStartedEvent(false, 100, 100, 1, "MNIST", "cpu", "abc")));
        Assert.Equal(EventKind.RunResumed, new RunStartedEvent(true, 1, 1, 1, "", "", "").Kind);
        Same("""{"d":true,"g":false,"loss_d":null,"loss_g":1.5}""", RunJson.Details(new NonFiniteSkippedEvent(true, false, double.NaN, 1.5)));
        Same("""{"ranks_differing":1,"rank0_hash":"ff"}""", RunJson.Details(new ReplicaHashMismatchEvent(1, "ff")));
        Same("""{"message":"bad.png: unreadable","skipped_total":3}""", RunJson.Details(new DataWarningEvent("bad.png: unreadable", 3)));
        Same("""{"path":"/r/checkpoints/step-000004","bytes":1024,"seconds":0.0123}""",
            RunJson.Details(new CheckpointCommittedEvent("/r/checkpoints/step-000004", 1024, 0.0123)));
        Same("""{"error":"disk full"}""", RunJson.Details(new CheckpointFailedEvent("disk full")));
        Same("""{"trainer":"h:1/0","restart":2,"backoff_seconds":2,"reason":"boom"}""", RunJson.Details(new TrainerRestartedEvent("h:1/0", 2, 2, "boom")));
        Same("""{"trainer":"h:1/0","from_rank":0,"to_rank":1,"epoch":3,"bytes":100,"seconds":0.5}""", RunJson.Details(new StateTransferEvent("h:1/0", 0, 1, 3, 100, 0.5)));
        Same("""{"network":"g","old":0.001,"new":null,"source":"ttur","statistic":"loss_d","value":1,"reason":"r"}""",
            RunJson.Details(new PlanDecisionEvent(new LearningRateChanged(5, "g", 1e-3, double.NaN, "ttur", "loss_d", 1, "r"))));
        Assert.Equal(EventKind.PhaseStarted, new PlanDecisionEvent(new PhaseStarted(1, 4, PhaseKind.Stable, 1, 8, 0, 0)).Kind);
    }

    [Fact]
    public void The_end_of_a_run_writes_the_collapse_summary_and_the_stop_fields_only_when_present()
    {
        var flag = new CollapseFlagState { Suspected = true, SuspectedEvaluations = 2, ChangedAt = 6, Evaluations = 4, LastStep = 8, LastScore = 0.9 };
        const string flagJson = """{"suspected":true,"above":0,"below":0,"suspected_evaluations":2,"changed_at":6,"evaluations":4,"last_step":8,"last_score":0.9}""";
        Assert.Equal(flagJson, flag.ToJson().ToJsonString());
        Same("""{"skipped_nonfinite":0,"images_seen":64,"replica_hash":"aa"}""", RunJson.Details(new RunEndedEvent(EventKind.RunFinished, 0, 64, "aa")));
        var summary = new CollapseSummary(CollapseReading.Of(Measures(classifier: true), true), 64, null, 8, flag);
        Same("""{"skipped_nonfinite":1,"images_seen":64,"replica_hash":"aa","collapse":{"diversity":0.81235,"duplicate_rate":0.03123,"classes_covered":3,"class_histogram":[0.5,0.25,0.25],"kl_uniform":0.04312,"collapse_score":0.23457,"collapse_suspected":true,"n":64,"collapse_step":8,"flag":""" + flagJson + """},"reason":"why","rollbacks":2}""",
            RunJson.Details(new RunEndedEvent(EventKind.CollapseStopped, 1, 64, "aa", summary, "why", 2)));
        Same("""{"collapse":{"flag":""" + flagJson + "}}", RunJson.Object(new { collapse = new CollapseSummary(null, null, null, null, flag) }));
    }

    [Fact]
    public void The_end_of_a_run_writes_the_last_evaluations_sample_quality_after_n()
    {
        var flag = CollapseFlagState.Initial;
        var summary = new CollapseSummary(CollapseReading.Of(Measures(classifier: false), false), 64, Quality(), 8, flag);
        Same("""{"diversity":0.81235,"duplicate_rate":0.03123,"classes_covered":null,"class_histogram":null,"kl_uniform":null,"collapse_score":0.23457,"collapse_suspected":false,"n":64,""" + QualityJson + ""","collapse_step":8,"flag":""" + flag.ToJson().ToJsonString() + "}",
            RunJson.Object(summary));
    }

    [Fact]
    public void Collapse_events_write_the_reading_inline()
    {
        var flipped = new CollapseFlagChangedEvent(CollapseReading.Of(Measures(classifier: false), true), 64, 6, 0.6, 0.4);
        Assert.Equal(EventKind.CollapseSuspected, flipped.Kind);
        Same("""{"diversity":0.81235,"duplicate_rate":0.03123,"classes_covered":null,"class_histogram":null,"kl_uniform":null,"collapse_score":0.23457,"collapse_suspected":true,"n":64,"evaluated_step":6,"raise_threshold":0.6,"clear_threshold":0.4}""",
            RunJson.Details(flipped));
        var state = new CollapseResponseState { Rollbacks = 1, LrGScale = 0.5, LrDScale = 0.5, LastRollbackAt = 10 };
        var rollback = new CollapseRollbackEvent(10, 4, 1, 2, "because", 0.9, 6, [new JsonObject { ["kind"] = "scale_lr", ["lr_g"] = 0.5 }],
            0.5, 0.5, state, [8, 6], new RollbackArchive("rollbacks/1", 6, 2));
        Same("""{"from_step":10,"to_step":4,"rollback":1,"max_rollbacks":2,"reason":"because","collapse_score":0.9,"suspected_since":6,"mitigation":[{"kind":"scale_lr","lr_g":0.5}],"lr_g_scale":0.5,"lr_d_scale":0.5,"state":""" + state.ToJson().ToJsonString() + ""","dropped_checkpoints":[8,6],"archived":{"dir":"rollbacks/1","metrics_rows":6,"events":2}}""",
            RunJson.Details(rollback));
    }

    [Fact]
    public void Coordinator_events_write_the_details_they_always_had()
    {
        Same("""{"epoch":2,"committed_step":40,"members":3}""", RunJson.Details(new CoordinatorRecoveredEvent(2, 40, 3)));
        Same("""{"trainer":"t","reason":"r","fatal":true}""", RunJson.Details(new TrainerFailedEvent("t", "r", true)));
        Same("""{"trainer":"t","reason":"r"}""", RunJson.Details(new TrainerLeftEvent("t", "r")));
        Same("""{"trainer":"t","reason":"r"}""", RunJson.Details(new TrainerRefusedEvent("t", "r")));
        Same("""{"trainer":"t","device":"cpu","holds_step":-1}""", RunJson.Details(new MemberJoinedEvent("t", "cpu", -1)));
        Same("""{"trainer":"t","epoch":2,"reason":"r"}""", RunJson.Details(new MemberLostEvent("t", 2, "r")));
        Same("""{"epoch":2,"reason":"r","suspects":["a","b"]}""", RunJson.Details(new WorldAbortedEvent(2, "r", ["a", "b"])));
        Same("""{"available":1,"needed":2}""", RunJson.Details(new WaitingForTrainersEvent(1, 2)));
        Same("""{"epoch":3,"world_size":2,"start_step":10,"source_rank":null,"need_state":[],"resume_checkpoint":"/c/step-000010","members":[{"rank":0,"trainer":"a"},{"rank":1,"trainer":"b"}]}""",
            RunJson.Details(new WorldFormedEvent(3, 2, 10, null, [], "/c/step-000010", [new RankedTrainer(0, "a"), new RankedTrainer(1, "b")])));
        Same("""{"epoch":3,"seconds":1.234,"reason":"r","world_size":2}""", RunJson.Details(new RecoveredEvent(3, 1.234, "r", 2)));
        Same("""{"world_size":2,"replicas_identical":true,"replica_hash":"h","epoch":3}""", RunJson.Details(new RunCompleteEvent(2, true, "h", 3)));
    }
}
