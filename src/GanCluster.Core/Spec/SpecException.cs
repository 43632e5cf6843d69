namespace GanCluster.Core.Spec;

/// <summary>User input is invalid. The CLI prints each problem on one line and exits with code 2.</summary>
public sealed class SpecException : Exception
{
    public SpecException(IReadOnlyList<SpecProblem> problems, string source = "run spec")
        : base(string.Join(Environment.NewLine, problems.Select(p => $"{source}: {p}")))
    {
        Problems = problems;
        Source = source;
    }

    public SpecException(string path, string expected, string found, string source = "run spec")
        : this([new SpecProblem(path, expected, found)], source) { }

    public IReadOnlyList<SpecProblem> Problems { get; }

    public new string Source { get; }
}
