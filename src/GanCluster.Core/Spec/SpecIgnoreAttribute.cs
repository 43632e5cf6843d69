namespace GanCluster.Core.Spec;

/// <summary>A public property of a spec type that is not part of the YAML contract.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SpecIgnoreAttribute : Attribute;
