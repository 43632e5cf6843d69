namespace GanCluster.Core.Spec;

public enum DataFormat
{
    /// <summary>The 10,000 MNIST digits shipped under data/.</summary>
    Embedded,
    /// <summary>An MNIST-style IDX image file (raw or .gz).</summary>
    Idx,
    /// <summary>A folder of PNG/JPEG images, searched recursively.</summary>
    Folder,
}
