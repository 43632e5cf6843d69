using GanCluster.Core.Runs;
using static GanCluster.Training.Tests.Training.TinyRuns;

namespace GanCluster.Training.Tests.Training;

public class DcganPolicyRunTests
{
    [Fact]
    public void Policies_drive_a_dcgan_run_through_the_step_skip_flag_and_learning_rates()
    {
        string dir = NewDir();
        Train(dir, Spec(Dcgan + Hinge + Policies));
        var metrics = JsonlWriter.ReadAll(new RunLayout(dir).MetricsFile).ToList();
        // threshold 10 is above any hinge loss: D is skipped twice, updated once, skipped twice, ...
        Assert.Equal("011011011011", string.Concat(metrics.Select(m => m["d_skipped"]!.GetValue<int>())));
        Assert.Equal(1e-4, metrics[0]["lr_g"]!.GetValue<double>());
        Assert.Equal(4e-4, metrics[0]["lr_d"]!.GetValue<double>());
        // Skipped steps still measure D, so the rule sees fresh numbers.
        Assert.All(metrics, m => Assert.True(double.IsFinite(m["loss_d"]!.GetValue<double>())));

        var events = JsonlWriter.ReadAll(new RunLayout(dir).EventsFile).ToList();
        var started = events.Where(e => e["kind"]!.GetValue<string>() == EventKind.DSkipStarted).Select(e => e["step"]!.GetValue<long>()).ToList();
        Assert.Equal([2L, 5, 8, 11], started);
        // Every learning-rate change is an event stamped with the step whose metrics row first shows the new rate.
        foreach (var change in events.Where(e => e["kind"]!.GetValue<string>() == EventKind.LrChanged))
        {
            long step = change["step"]!.GetValue<long>();
            string key = change["details"]!["network"]!.GetValue<string>() == "g" ? "lr_g" : "lr_d";
            Assert.Equal(change["details"]!["new"]!.GetValue<double>(), metrics[(int)step - 1][key]!.GetValue<double>());
            Assert.Equal(change["details"]!["old"]!.GetValue<double>(), metrics[(int)step - 2][key]!.GetValue<double>());
            Assert.Equal("plateau", change["details"]!["source"]!.GetValue<string>());
        }
    }

    [Fact]
    public void A_resumed_dcgan_run_with_policies_equals_the_uninterrupted_run()
    {
        string whole = NewDir();
        var (_, wholeHashes, wholePlan) = Train(whole, Spec(Dcgan + Hinge + Policies), hashAt: [12]);
        string parts = NewDir();
        Train(parts, Spec(Dcgan + Hinge + Policies, "steps=7"));
        var (_, partHashes, partsPlan) = Train(parts, Spec(Dcgan + Hinge + Policies), resume: true, hashAt: [12]);
        Assert.Equal(wholeHashes[12], partHashes[12]);
        Assert.Equal(wholePlan, partsPlan);
        Assert.Equal(Metrics(whole), Metrics(parts));
        Assert.Equal(Events(whole), Events(parts));
    }
}
