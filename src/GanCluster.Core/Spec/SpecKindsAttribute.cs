namespace GanCluster.Core.Spec;

/// <summary>
/// Marks an abstract spec type whose YAML mapping picks its concrete type by a discriminator key
/// (e.g. policy entries: <c>{ kind: ttur, lr_g: 1e-4 }</c>). Each pair is (kind name, concrete type).
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SpecKindsAttribute(string key, params object[] kindsAndTypes) : Attribute
{
    public string Key { get; } = key;

    public IReadOnlyDictionary<string, Type> Kinds { get; } = Pairs(kindsAndTypes);

    static Dictionary<string, Type> Pairs(object[] items)
    {
        var map = new Dictionary<string, Type>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < items.Length; i += 2) map[(string)items[i]] = (Type)items[i + 1];
        return map;
    }
}
