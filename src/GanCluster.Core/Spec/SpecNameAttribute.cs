namespace GanCluster.Core.Spec;

/// <summary>The name a spec property or enum value has in YAML (default: snake_case of the C# name).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SpecNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
