using GanCluster.Core.Data;
using GanCluster.Core.Spec;
using GanCluster.Training.Data;
using static TorchSharp.torch;

namespace GanCluster.Training.Collapse;

/// <summary>Where classifier weights come from: the shipped data/mnist-classifier.bin, a path, or none.</summary>
public static class ClassifierFiles
{
    public const string WeightsFile = "mnist-classifier.bin";

    /// <summary>The metadata written next to weights (accuracy, held-out split, command).</summary>
    public static string InfoFileFor(string weights) => Path.ChangeExtension(weights, ".json");

    /// <summary>
    /// The weights file a setting names: <c>auto</c> is the shipped classifier when the data is the embedded MNIST
    /// (null otherwise), <c>none</c> is null, anything else a path that must exist. <paramref name="field"/> names the
    /// setting in error messages.
    /// </summary>
    public static string? Resolve(string setting, bool embeddedData, string field)
    {
        if (setting == CollapseSpec.NoClassifier) return null;
        if (setting == CollapseSpec.AutoClassifier)
        {
            if (!embeddedData) return null;
            try { return ImageSources.EmbeddedPath(WeightsFile); }
            catch (DataException)
            {
                throw new SpecException(field, $"the shipped classifier data/{WeightsFile} next to the program (or none)", "it is missing from the installation", "input");
            }
        }
        if (!File.Exists(setting)) throw new SpecException(field, "auto, none or an existing classifier weights file", $"'{setting}' (no such file)", "input");
        return setting;
    }

    /// <summary>Loads weights, turning an unreadable file into a one-line input error.</summary>
    public static MnistClassifier Load(string path, string field, Device? device = null)
    {
        try { return MnistClassifier.Load(path, device); }
        catch (InvalidDataException e) { throw new SpecException(field, "weights written by `gancluster classifier train`", $"'{path}' ({e.Message})", "input"); }
    }
}
