namespace GanCluster.Core.Spec;

/// <summary>One problem with user input: which field, what was expected, what was found.</summary>
public sealed record SpecProblem(string Path, string Expected, string Found)
{
    public override string ToString() => $"{(Path.Length == 0 ? "(root)" : Path)}: expected {Expected}, found {Found}";
}
