using System.Numerics;

namespace GanCluster.Core.Spec;

/// <summary>Collects validation problems so that every one is reported, not just the first.</summary>
public sealed class SpecProblems
{
    readonly List<SpecProblem> _items = [];

    public IReadOnlyList<SpecProblem> Items => _items;

    public bool Any => _items.Count > 0;

    public void Add(string path, string expected, string found) => _items.Add(new SpecProblem(path, expected, found));

    public void Positive<T>(string path, T value) where T : INumber<T>
    {
        if (value <= T.Zero) Add(path, "a positive number", Show(value));
    }

    public void AtLeast<T>(string path, T value, T min) where T : INumber<T>
    {
        if (value < min) Add(path, $"a number >= {Show(min)}", Show(value));
    }

    public void InRange<T>(string path, T value, T min, T max) where T : INumber<T>
    {
        if (value < min || value > max) Add(path, $"a number in [{Show(min)}, {Show(max)}]", Show(value));
    }

    public void PowerOfTwo(string path, int value, int min, int max)
    {
        if (value < min || value > max || !BitOperations.IsPow2(value))
            Add(path, $"a power of two from {min} to {max}", value.ToString());
    }

    public void ThrowIfAny(string source = "run spec")
    {
        if (Any) throw new SpecException(_items, source);
    }

    public static string Show<T>(T value) => value switch
    {
        null => "null",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        float f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        string s => $"'{s}'",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null",
    };
}
