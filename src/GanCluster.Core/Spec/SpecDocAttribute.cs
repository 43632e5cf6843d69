namespace GanCluster.Core.Spec;

/// <summary>A one-line description of a spec field: shown in `gancluster spec` and error messages.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SpecDocAttribute(string text) : Attribute
{
    public string Text { get; } = text;
}
