namespace GanCluster.Core.Collapse;

/// <summary>
/// Feature vectors of a set of images, one row per image, stored row-major in one float array
/// (what a feature extractor copies out of a tensor). Immutable once built.
/// </summary>
public sealed class FeatureMatrix
{
    public FeatureMatrix(float[] data, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (data.Length != (long)rows * columns)
            throw new ArgumentException($"feature data has {data.Length} values, expected {rows} x {columns}");
        Data = data;
        Rows = rows;
        Columns = columns;
    }

    public float[] Data { get; }

    public int Rows { get; }

    public int Columns { get; }

    public ReadOnlySpan<float> Row(int i) => Data.AsSpan(i * Columns, Columns);

    /// <summary>The first <paramref name="rows"/> rows (a view is not needed: sizes here are small).</summary>
    public FeatureMatrix Take(int rows)
    {
        rows = Math.Min(rows, Rows);
        return new FeatureMatrix(Data.AsSpan(0, rows * Columns).ToArray(), rows, Columns);
    }

    /// <summary>Rows picked by index, in the given order.</summary>
    public FeatureMatrix Select(IReadOnlyList<int> rows)
    {
        var data = new float[rows.Count * Columns];
        for (int i = 0; i < rows.Count; i++) Row(rows[i]).CopyTo(data.AsSpan(i * Columns, Columns));
        return new FeatureMatrix(data, rows.Count, Columns);
    }

    /// <summary>
    /// Side-by-side concatenation of blocks with the same row count, each multiplied by its scale
    /// (so that blocks of different units weigh the same in a Euclidean distance).
    /// </summary>
    public static FeatureMatrix Concat(params (FeatureMatrix Block, double Scale)[] blocks)
    {
        if (blocks.Length == 0) throw new ArgumentException("no feature blocks");
        int rows = blocks[0].Block.Rows;
        if (blocks.Any(b => b.Block.Rows != rows)) throw new ArgumentException("feature blocks have different row counts");
        int columns = blocks.Sum(b => b.Block.Columns);
        var data = new float[rows * columns];
        for (int r = 0; r < rows; r++)
        {
            int offset = r * columns;
            foreach (var (block, scale) in blocks)
            {
                var src = block.Row(r);
                for (int c = 0; c < src.Length; c++) data[offset + c] = (float)(src[c] * scale);
                offset += src.Length;
            }
        }
        return new FeatureMatrix(data, rows, columns);
    }
}
