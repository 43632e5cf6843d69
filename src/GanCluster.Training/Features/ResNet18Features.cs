using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Features;

/// <summary>
/// The default feature network for any dataset that is not MNIST: the ImageNet-pretrained <see cref="ResNet18"/>'s 512
/// pooled features (<see cref="ResNet18Onnx"/>). Images are resized to 224x224 (grayscale repeated to RGB) and
/// normalised as the network was trained: pixels 0..255, BGR, minus the shipped mean image. Not comparable with
/// published FID (which is Inception-v3's), but an ImageNet embedding that tells sharp, varied images from blurry or
/// repeated ones on any data.
/// </summary>
public sealed class ResNet18Features : IFeatureNetwork
{
    readonly ResNet18 _model;
    readonly Tensor _meanBgr;

    public ResNet18Features(Device? device = null)
    {
        string modelPath = ResNet18Onnx.ShippedPath(ResNet18Onnx.ModelFile);
        _model = ResNet18Onnx.LoadModel(modelPath);
        _meanBgr = ResNet18Onnx.LoadMeanImage(ResNet18Onnx.ShippedPath(ResNet18Onnx.PreprocessFile)).DetachFromDisposeScope();
        if (device != null)
        {
            _model.to(device);
            _meanBgr = _meanBgr.to(device).DetachFromDisposeScope();
        }
        Description = $"ResNet18 (ImageNet, {Path.GetFileName(modelPath)} from Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0), 512-d pooled features";
    }

    public const string NetworkName = Core.Quality.FeatureSetting.ResNet18;

    public string Name => NetworkName;

    public string Description { get; }

    public int Dimension => ResNet18.FeatureSize;

    public bool ComparableWithPublishedFid => false;

    public ResNet18 Model => _model;

    public Tensor Embed(Tensor images) => _model.forward(Normalise(NetworkInput.Rgb(images, ResNet18Onnx.InputSize), fromUnitRange: false));

    /// <summary>
    /// RGB images ([-1, 1], or [0, 1] with <paramref name="fromUnitRange"/>) to the network's input: 0..255, BGR, minus
    /// the mean image (resized to the images' size: exact at 224, a smooth mean elsewhere). Differentiable.
    /// </summary>
    public Tensor Normalise(Tensor rgb, bool fromUnitRange)
    {
        var pixels = fromUnitRange ? rgb * 255 : (rgb + 1) * 127.5;
        var bgr = pixels.flip(1);
        var mean = _meanBgr.shape[2] == rgb.shape[2] && _meanBgr.shape[3] == rgb.shape[3] ? _meanBgr
            : nn.functional.interpolate(_meanBgr, [rgb.shape[2], rgb.shape[3]], mode: InterpolationMode.Bilinear, align_corners: false);
        return bgr - mean.to(rgb.dtype);
    }

    public void Dispose()
    {
        _model.Dispose();
        _meanBgr.Dispose();
    }
}
