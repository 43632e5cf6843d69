using System.CommandLine;
using GanCluster.Cli.Terminal;
using GanCluster.Core.IO;
using GanCluster.Core.Spec;
using GanCluster.Training;
using GanCluster.Training.Style;
using GanCluster.Telemetry.Logging;

namespace GanCluster.Cli.Commands;

/// <summary>
/// `gancluster style`: repaint a content image in the style of another (neural style transfer, Gatys et al.).
/// Its hidden subcommand `example-inputs DIR` writes the documented example's inputs (docs/style-transfer.md).
/// </summary>
public static class StyleCommand
{
    public static Command Create()
    {
        var content = new Option<string>("--content") { Description = "the image whose layout is kept (PNG/JPEG)", Required = true };
        var style = new Option<string>("--style") { Description = "the image whose texture and colours are taken (PNG/JPEG)", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "PNG file to write", Required = true };
        var size = new Option<int>("--size") { Description = "longer side of the output in pixels (both inputs are scaled to it)", DefaultValueFactory = _ => 256 };
        var steps = new Option<int>("--steps") { Description = "optimisation steps (one loss evaluation each)", DefaultValueFactory = _ => 300 };
        var contentWeight = new Option<double?>("--content-weight") { Description = "weight of the content loss (default: the extractor's)" };
        var styleWeight = new Option<double?>("--style-weight") { Description = "weight of the style (Gram) loss (default: the extractor's)" };
        var tvWeight = new Option<double?>("--tv-weight") { Description = "weight of the total-variation smoothness loss (default: the extractor's)" };
        var init = new Option<string>("--init") { Description = "start from the content image or from noise", DefaultValueFactory = _ => "content" };
        init.AcceptOnlyFromAmong("content", "noise");
        var optimizer = new Option<string>("--optimizer") { Description = "lbfgs (Gatys et al.) or adam", DefaultValueFactory = _ => "lbfgs" };
        optimizer.AcceptOnlyFromAmong("lbfgs", "adam");
        var lr = new Option<double?>("--lr") { Description = "step size (default: 1 for lbfgs, 0.02 for adam)" };
        var weights = new Option<string?>("--weights")
        {
            Description = "VGG19 weights: torchvision's vgg19 state_dict (.pth) or .safetensors; without it --network is used",
        };
        var network = new Option<string>("--network")
        {
            Description = "without --weights: resnet18 (the shipped ImageNet-pretrained ResNet18) or random (a seeded random multi-scale CNN)",
            DefaultValueFactory = _ => StyleExtractors.ResNet18,
        };
        network.AcceptOnlyFromAmong(StyleExtractors.ResNet18, StyleExtractors.Random);
        var seed = new Option<long>("--seed") { Description = "seeds the noise start and the random CNN's filters", DefaultValueFactory = _ => 0 };
        var device = CommonOptions.Device();
        var logEvery = new Option<int>("--log-every") { Description = "steps between log lines when not on a terminal (default: steps/10)" };

        var command = new Command("style", "repaint a content image in the style of another (neural style transfer)")
        {
            content, style, output, size, steps, contentWeight, styleWeight, tvWeight, init, optimizer, lr, weights, network, seed, device, logEvery,
        };
        command.Subcommands.Add(ExampleInputs());
        command.SetAction(parse =>
        {
            string outFile = parse.GetValue(output)!;
            int side = parse.GetValue(size), stepCount = parse.GetValue(steps);
            Check(side is >= 16 and <= 4096, "--size", "a side from 16 to 4096 pixels", side.ToString());
            Check(stepCount is >= 1 and <= 1_000_000, "--steps", "a number of steps from 1 to 1000000", stepCount.ToString());
            Check(outFile.EndsWith(".png", StringComparison.OrdinalIgnoreCase), "--out", "a .png file name", $"'{outFile}'");
            foreach (var (option, value) in new[] { (contentWeight, parse.GetValue(contentWeight)), (styleWeight, parse.GetValue(styleWeight)),
                         (tvWeight, parse.GetValue(tvWeight)), (lr, parse.GetValue(lr)) })
                Check(value is null || (double.IsFinite(value.Value) && value >= 0), option.Name, "a finite number >= 0", value.ToString()!);

            // Inputs first: a bad file is reported before any work starts.
            var onDevice = GanTrainer.ParseDevice(CommonOptions.Devices(parse, device, list: false)[0]);
            string contentPath = parse.GetValue(content)!, stylePath = parse.GetValue(style)!;
            using var contentImage = StyleImage.Load(contentPath, side, "--content", onDevice);
            using var styleImage = StyleImage.Load(stylePath, side, "--style", onDevice);
            string? weightsPath = parse.GetValue(weights);
            using var extractor = StyleExtractors.Create(weightsPath, parse.GetValue(seed), onDevice, parse.GetValue(network)!);

            var defaults = extractor.DefaultWeights;
            var options = new StyleTransferOptions
            {
                Steps = stepCount,
                Weights = new StyleWeights(parse.GetValue(contentWeight) ?? defaults.Content, parse.GetValue(styleWeight) ?? defaults.Style,
                    parse.GetValue(tvWeight) ?? defaults.TotalVariation),
                Init = parse.GetValue(init) == "noise" ? StyleInit.Noise : StyleInit.Content,
                Optimizer = parse.GetValue(optimizer) == "adam" ? StyleOptimizer.Adam : StyleOptimizer.Lbfgs,
                LearningRate = parse.GetValue(lr),
                Seed = parse.GetValue(seed),
            };
            NodeLog.Info("feature extractor: " + (extractor is RandomMultiScaleFeatures random
                ? $"{RandomMultiScaleFeatures.Name} (--network random; {random.Settings}). Untrained filters transfer texture " +
                  "and colour, not learned object features"
                : extractor.Description));
            NodeLog.Info($"content {contentPath} {Size(contentImage)}, style {stylePath} {Size(styleImage)}; " +
                              $"weights: {options.Weights}; {parse.GetValue(optimizer)}, {stepCount} steps from {parse.GetValue(init)}");

            using var signal = new ShutdownSignal();
            int every = parse.GetValue(logEvery) is > 0 and var e ? e : Math.Max(1, stepCount / 10);
            var result = StyleProgress.Run(stepCount, every,
                report => StyleTransfer.Run(extractor, contentImage, styleImage, options, report, signal.Token));
            using var image = result.Image;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
            DurableFile.WriteAllBytes(outFile, StyleImage.ToPng(image));
            NodeLog.Info($"losses (weighted) at the start: {result.Initial}");
            NodeLog.Info($"losses (weighted) at the end:   {result.Final}");
            string converged = result.Steps < stepCount && !result.Stopped ? " (converged: the last steps changed nothing)" : "";
            string restarts = result.Restarts > 0 ? $"; L-BFGS restarted {result.Restarts}x after an overshoot or a stall" : "";
            NodeLog.Info($"{result.Steps} steps{converged} in {result.Elapsed.TotalSeconds:F1} s{restarts}; wrote {outFile} {Size(image)}");
            if (result.Stopped)
            {
                NodeLog.Warning($"interrupted after step {result.Steps} of {stepCount}; the image so far was written");
                return signal.ExitCode;
            }
            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>`gancluster style example-inputs DIR` (hidden): the docs example's content and style images.</summary>
    static Command ExampleInputs()
    {
        var dir = new Argument<string>("dir") { Description = "folder to write style-content.png and style-texture.png into" };
        var size = new Option<int>("--size") { Description = "side in pixels", DefaultValueFactory = _ => 256 };
        var command = new Command("example-inputs", "write the documented example's input images") { dir, size };
        command.Hidden = true;
        command.SetAction(parse =>
        {
            string folder = parse.GetValue(dir)!;
            int side = parse.GetValue(size);
            Check(side is >= 16 and <= 4096, "--size", "a side from 16 to 4096 pixels", side.ToString());
            Directory.CreateDirectory(folder);
            DurableFile.WriteAllBytes(Path.Combine(folder, "style-content.png"), StyleExampleImages.DigitContent(side));
            DurableFile.WriteAllBytes(Path.Combine(folder, "style-texture.png"), StyleExampleImages.BrushStrokes(side));
            NodeLog.Info($"wrote {Path.Combine(folder, "style-content.png")} and {Path.Combine(folder, "style-texture.png")}");
            return CliApp.Ok;
        });
        return command;
    }

    static void Check(bool ok, string option, string expected, string found)
    {
        if (!ok) throw new SpecException(option, expected, found, "input");
    }

    static string Size(TorchSharp.torch.Tensor image) => $"({image.shape[3]}x{image.shape[2]})";
}
