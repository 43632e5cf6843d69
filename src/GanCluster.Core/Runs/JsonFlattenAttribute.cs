namespace GanCluster.Core.Runs;

/// <summary>
/// <see cref="RunJson"/> writes the fields of a property marked with this inline, in the containing object, instead of
/// as a nested object (a metrics row carries the collapse fields at its top level). A null value writes nothing.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class JsonFlattenAttribute : Attribute;
