using GanCluster.Training.Collapse;
using GanCluster.Training.Data;
using Xunit.Abstractions;

namespace GanCluster.Training.Tests.Collapse;

public class ClassifierTests(ITestOutputHelper output)
{
    [Fact]
    public void The_shipped_classifier_is_at_least_98_percent_accurate_on_the_held_out_digits()
    {
        var data = ClassifierTraining.OpenEmbedded();
        using var model = MnistClassifier.Load(ImageSources.EmbeddedPath(ClassifierFiles.WeightsFile));
        var heldOut = ClassifierTraining.HeldOut(data.Count);
        Assert.Equal(2000, heldOut.Count);
        var (correct, total) = ClassifierTraining.Evaluate(model, data, heldOut);
        output.WriteLine($"shipped classifier: {correct}/{total} = {100.0 * correct / total:F2}% on images 8000-9999");
        Assert.True(correct >= 0.98 * total, $"{correct}/{total}");
        Assert.True(new FileInfo(ImageSources.EmbeddedPath(ClassifierFiles.WeightsFile)).Length < 1 << 20);
    }

    [Fact]
    public void Training_on_a_small_subset_already_learns_digits()
    {
        var data = ClassifierTraining.OpenEmbedded();
        var options = new ClassifierTraining.Options { Epochs = 4, BatchSize = 32, LearningRate = 2e-3, TrainLimit = 1024, HeldOutLimit = 500, Seed = 7 };
        var (model, report) = ClassifierTraining.Train(data, options, output.WriteLine);
        using (model)
        {
            Assert.Equal(1024, report.Trained);
            Assert.Equal(500, report.HeldOut);
            Assert.True(report.Accuracy > 0.75, $"accuracy {report.Accuracy}");
        }
    }

    [Fact]
    public void A_file_that_is_not_classifier_weights_is_refused_clearly()
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, "not weights");
        var e = Assert.Throws<InvalidDataException>(() => MnistClassifier.Load(path));
        Assert.Contains(path, e.Message);
    }
}
