using GanCluster.Core.Spec;
using GanCluster.Training.Style;
using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Features;

/// <summary>
/// Inception-v3 pool3 (2048-d) with weights from a file the user gives (nothing is downloaded): torchvision's
/// <c>inception_v3</c> state_dict, or pytorch-fid's <c>pt_inception-2015-12-05-6726825d.pth</c> (the port of the
/// TensorFlow network FID was defined with; told apart by its 1008-class fc layer, and run with pytorch-fid's FID
/// blocks). Read through TorchSharp.PyBridge (.pth) or as .safetensors, like style transfer's VGG19. Images are
/// resized to 299x299 (bilinear) in [-1, 1], as pytorch-fid does. Only the pytorch-fid weights give numbers
/// comparable with published FID; torchvision's weights give a close but different network.
/// </summary>
public sealed class InceptionFeatures : IFeatureNetwork
{
    public const string NetworkName = Core.Quality.FeatureSetting.Inception;
    const int FidClasses = 1008;

    readonly InceptionV3 _model;

    public InceptionFeatures(string weightsPath, string option = "--features", Device? device = null)
    {
        var file = StateDictFile.Read(weightsPath, option);
        try
        {
            bool fid = file.TryGetValue("fc.weight", out var fc) && fc.shape.Length == 2 && fc.shape[0] == FidClasses;
            _model = new InceptionV3(fidBlocks: fid);
            var targets = _model.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
                .Concat(_model.named_buffers().Where(b => !b.name.EndsWith("num_batches_tracked", StringComparison.Ordinal)));
            try
            {
                StateDictMatcher.Copy(targets, file, weightsPath, "is this torchvision's inception_v3 or pytorch-fid's FID Inception?");
            }
            catch
            {
                _model.Dispose();
                throw;
            }
            if (device != null) _model.to(device);
            ComparableWithPublishedFid = fid;
            Description = fid
                ? $"Inception-v3 pool3 (2048-d), pytorch-fid's FID weights from {weightsPath}: comparable with published FID"
                : $"Inception-v3 pool3 (2048-d), torchvision weights from {weightsPath}: close to, not identical with, the FID network";
        }
        finally
        {
            foreach (var t in file.Values) t.Dispose();
        }
    }

    public string Name => NetworkName;

    public string Description { get; }

    public int Dimension => InceptionV3.FeatureSize;

    public bool ComparableWithPublishedFid { get; }

    public Tensor Embed(Tensor images) => _model.forward(NetworkInput.Rgb(images, InceptionV3.InputSize, antialias: false));

    public void Dispose() => _model.Dispose();
}
