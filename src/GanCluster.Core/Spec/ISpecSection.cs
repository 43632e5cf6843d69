namespace GanCluster.Core.Spec;

/// <summary>A part of the run spec that checks its own values (ranges, combinations).</summary>
public interface ISpecSection
{
    /// <summary>Adds a problem for every invalid value; <paramref name="path"/> is this section's path.</summary>
    void Validate(SpecProblems problems, string path);
}
