using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanCluster.Core.IO;
using GanCluster.Core.Spec;
using GanCluster.Training.Collapse;
using GanCluster.Telemetry.Logging;

namespace GanCluster.Cli.Commands;

/// <summary>
/// `gancluster classifier train | accuracy`: the small MNIST classifier behind the collapse measures' mode coverage
/// (docs/collapse.md). Trained on the embedded MNIST-10k with images 8000-9999 held out.
/// </summary>
public static class ClassifierCommand
{
    public static Command Create()
    {
        var command = new Command("classifier", "train or check the MNIST classifier used for mode coverage");
        command.Subcommands.Add(Train());
        command.Subcommands.Add(Accuracy());
        return command;
    }

    static Command Train()
    {
        var output = new Option<string>("--out", "-o") { Description = "weights file to write", DefaultValueFactory = _ => Path.Combine("data", ClassifierFiles.WeightsFile) };
        var epochs = new Option<int>("--epochs") { Description = "passes over the 8,000 training images", DefaultValueFactory = _ => new ClassifierTraining.Options().Epochs };
        var seed = new Option<long>("--seed") { Description = "seed for weights, order and shifts", DefaultValueFactory = _ => 1 };
        var command = new Command("train", "train the classifier on the embedded MNIST (images 8000-9999 held out) and print its accuracy") { output, epochs, seed };
        command.SetAction(parse =>
        {
            int e = parse.GetValue(epochs);
            if (e is < 1 or > 200) throw new SpecException("--epochs", "a number from 1 to 200", e.ToString(CultureInfo.InvariantCulture), "input");
            string outFile = parse.GetValue(output)!;
            var options = new ClassifierTraining.Options { Epochs = e, Seed = parse.GetValue(seed) };
            var data = ClassifierTraining.OpenEmbedded();
            var (model, report) = ClassifierTraining.Train(data, options, line => NodeLog.Line(line));
            using (model)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
                string tmp = outFile + ".tmp";
                model.save(tmp);
                File.Move(tmp, outFile, overwrite: true);
            }
            var info = new JsonObject
            {
                ["accuracy"] = Math.Round(report.Accuracy, 5),
                ["correct"] = report.Correct,
                ["held_out"] = report.HeldOut,
                ["held_out_images"] = $"{ClassifierTraining.HeldOutStart}-{ClassifierTraining.HeldOutStart + report.HeldOut - 1} of the embedded MNIST-10k",
                ["trained_on"] = report.Trained,
                ["epochs"] = report.Epochs,
                ["seed"] = options.Seed,
                ["command"] = $"gancluster classifier train --epochs {report.Epochs} --seed {options.Seed}",
            };
            DurableFile.WriteAllText(ClassifierFiles.InfoFileFor(outFile), info.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            NodeLog.Info(string.Create(CultureInfo.InvariantCulture,
                $"held-out accuracy: {100 * report.Accuracy:F2}% ({report.Correct}/{report.HeldOut}) after {report.Epochs} epochs on {report.Trained} images, {report.Seconds:F0} s"));
            NodeLog.Info($"wrote {outFile} ({new FileInfo(outFile).Length / 1024} kB) and {ClassifierFiles.InfoFileFor(outFile)}");
            return CliApp.Ok;
        });
        return command;
    }

    static Command Accuracy()
    {
        var weights = new Option<string?>("--weights") { Description = "classifier weights (default: the shipped data/mnist-classifier.bin)" };
        var command = new Command("accuracy", "print the classifier's accuracy on the held-out MNIST images 8000-9999") { weights };
        command.SetAction(parse =>
        {
            string path = ClassifierFiles.Resolve(parse.GetValue(weights) ?? CollapseSpec.AutoClassifier, embeddedData: true, "--weights")!;
            using var model = ClassifierFiles.Load(path, "--weights");
            var data = ClassifierTraining.OpenEmbedded();
            var (correct, total) = ClassifierTraining.Evaluate(model, data, ClassifierTraining.HeldOut(data.Count));
            NodeLog.Info(string.Create(CultureInfo.InvariantCulture, $"held-out accuracy: {100.0 * correct / total:F2}% ({correct}/{total}) for {path}"));
            return CliApp.Ok;
        });
        return command;
    }
}
