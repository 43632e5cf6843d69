using System.Globalization;
using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GanCluster.Core.Spec;

/// <summary>
/// Binds a YAML node tree onto spec objects, collecting every problem (unknown keys, wrong types) with
/// its field path instead of stopping at the first. Missing keys keep the C# defaults.
/// </summary>
public sealed class SpecBinder
{
    readonly SpecProblems _problems;

    public SpecBinder(SpecProblems problems) => _problems = problems;

    public T Bind<T>(YamlNode? node) where T : new() => (T)(Bind(typeof(T), node, "", new T()) ?? new T());

    /// <summary>Binds <paramref name="node"/> as <paramref name="type"/>; <paramref name="current"/> supplies defaults.</summary>
    public object? Bind(Type type, YamlNode? node, string path, object? current)
    {
        if (node == null) return current;
        if (IsNull(node))
        {
            if (type == typeof(string) || Nullable.GetUnderlyingType(type) != null) return null;
            _problems.Add(path, SpecSchema.Describe(type), "null");
            return current;
        }
        if (SpecSchema.IsScalar(type)) return BindScalar(type, node, path, current);
        if (SpecSchema.IsList(type, out var itemType)) return BindList(type, itemType, node, path, current);
        if (SpecSchema.IsDictionary(type, out var keyType, out var valueType))
            return BindDictionary(type, keyType, valueType, node, path, current);
        return BindObject(type, node, path, current);
    }

    static bool IsNull(YamlNode node) =>
        node is YamlScalarNode s && s.Style == ScalarStyle.Plain && (s.Value is null or "" or "~" or "null" or "Null" or "NULL");

    object? BindScalar(Type type, YamlNode node, string path, object? current)
    {
        if (node is not YamlScalarNode scalar)
        {
            _problems.Add(path, SpecSchema.Describe(type), node is YamlSequenceNode ? "a list" : "a mapping");
            return current;
        }
        string text = scalar.Value ?? "";
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (TryParseScalar(t, text, out var value)) return value;
        _problems.Add(path, SpecSchema.Describe(t), $"'{text}'"); // "an integer", also where null is allowed
        return current;
    }

    public static bool TryParseScalar(Type t, string text, out object? value)
    {
        value = null;
        var inv = CultureInfo.InvariantCulture;
        if (t == typeof(string)) { value = text; return true; }
        if (t == typeof(bool))
        {
            if (text.Equals("true", StringComparison.OrdinalIgnoreCase)) { value = true; return true; }
            if (text.Equals("false", StringComparison.OrdinalIgnoreCase)) { value = false; return true; }
            return false;
        }
        string digits = text.Replace("_", "");
        if (t == typeof(int))
        {
            if (int.TryParse(digits, NumberStyles.AllowLeadingSign, inv, out int i)) { value = i; return true; }
            return TryWholeDouble(digits, int.MinValue, int.MaxValue, out value, d => (int)d);
        }
        if (t == typeof(long))
        {
            if (long.TryParse(digits, NumberStyles.AllowLeadingSign, inv, out long l)) { value = l; return true; }
            return TryWholeDouble(digits, long.MinValue, long.MaxValue, out value, d => (long)d);
        }
        if (t == typeof(double) || t == typeof(float))
        {
            if (!double.TryParse(digits, NumberStyles.Float, inv, out double d) || !double.IsFinite(d)) return false;
            value = t == typeof(float) ? (float)d : d;
            return true;
        }
        if (t.IsEnum)
        {
            foreach (var v in Enum.GetValues(t))
                if (SpecSchema.EnumName(t, v).Equals(text, StringComparison.OrdinalIgnoreCase)) { value = v; return true; }
            return false;
        }
        return false;
    }

    // Accepts 6.0e5 for an integer field when it is a whole number (YAML users write large counts that way).
    static bool TryWholeDouble(string text, double min, double max, out object? value, Func<double, object> convert)
    {
        value = null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return false;
        if (d != Math.Floor(d) || d < min || d > max) return false;
        value = convert(d);
        return true;
    }

    object? BindList(Type type, Type itemType, YamlNode node, string path, object? current)
    {
        if (node is not YamlSequenceNode seq)
        {
            _problems.Add(path, "a list", Found(node));
            return current;
        }
        var list = (System.Collections.IList)Activator.CreateInstance(type)!;
        int i = 0;
        foreach (var child in seq.Children)
        {
            var initial = NewDefault(itemType, child, $"{path}[{i}]");
            // An abstract item with a missing or unknown kind has no type to bind to (the problem is recorded).
            if (initial == null && KindsOf(itemType) != null) { i++; continue; }
            var item = Bind(itemType, child, $"{path}[{i}]", initial);
            if (item != null || !itemType.IsValueType) list.Add(item);
            i++;
        }
        return list;
    }

    object? BindDictionary(Type type, Type keyType, Type valueType, YamlNode node, string path, object? current)
    {
        if (node is not YamlMappingNode map)
        {
            _problems.Add(path, "a mapping", Found(node));
            return current;
        }
        var dict = (System.Collections.IDictionary)Activator.CreateInstance(type)!;
        foreach (var (k, v) in map.Children)
        {
            string keyText = (k as YamlScalarNode)?.Value ?? "";
            string childPath = Join(path, keyText);
            if (!TryParseScalar(keyType, keyText, out var key) || key == null)
            {
                _problems.Add(childPath, $"a key that is {SpecSchema.Describe(keyType)}", $"'{keyText}'");
                continue;
            }
            var initial = NewDefault(valueType, v, childPath);
            if (initial == null && KindsOf(valueType) != null) continue; // unknown kind, recorded
            dict[key] = Bind(valueType, v, childPath, initial);
        }
        return dict;
    }

    object? BindObject(Type type, YamlNode node, string path, object? current)
    {
        if (node is not YamlMappingNode map)
        {
            _problems.Add(path, "a mapping", Found(node));
            return current;
        }
        object target = current ?? NewDefault(type, node, path) ?? throw new InvalidOperationException($"cannot create {type}");
        if (target.GetType() != type && type.IsAbstract) type = target.GetType();
        var kinds = KindsOf(type);
        var fields = SpecSchema.FieldsOf(target.GetType());
        foreach (var (k, v) in map.Children)
        {
            string key = (k as YamlScalarNode)?.Value ?? "";
            if (kinds != null && key == kinds.Key) continue; // the discriminator picked the type already
            var field = fields.FirstOrDefault(f => f.Name == key);
            string childPath = Join(path, key);
            if (field == null)
            {
                var known = fields.Select(f => f.Name).ToList();
                string hint = ClosestName(key, known) is { } close ? $" (did you mean '{close}'?)" : "";
                _problems.Add(childPath, "one of the keys " + string.Join(", ", known), $"unknown key '{key}'{hint}");
                continue;
            }
            if (IsNull(v) && SpecSchema.AcceptsNull(field.Property))
            {
                field.Property.SetValue(target, null); // an optional section (e.g. progressive: null)
                continue;
            }
            var currentValue = field.Property.GetValue(target);
            field.Property.SetValue(target, Bind(field.Property.PropertyType, v, childPath, currentValue));
        }
        return target;
    }

    /// <summary>A fresh instance for a list/dictionary element; abstract kinds are picked by their discriminator.</summary>
    object? NewDefault(Type type, YamlNode node, string path)
    {
        if (SpecSchema.IsScalar(type)) return type.IsValueType ? Activator.CreateInstance(type) : null;
        var kinds = KindsOf(type);
        if (kinds == null) return Activator.CreateInstance(type);
        string? kind = (node as YamlMappingNode)?.Children
            .FirstOrDefault(c => (c.Key as YamlScalarNode)?.Value == kinds.Key).Value is YamlScalarNode s ? s.Value : null;
        if (kind != null && kinds.Kinds.TryGetValue(kind, out var concrete)) return Activator.CreateInstance(concrete);
        _problems.Add(Join(path, kinds.Key), "one of " + string.Join(" | ", kinds.Kinds.Keys), kind == null ? "no key" : $"'{kind}'");
        return null;
    }

    static SpecKindsAttribute? KindsOf(Type type)
    {
        for (var t = type; t != null; t = t.BaseType)
            if (t.GetCustomAttribute<SpecKindsAttribute>(inherit: false) is { } attr) return attr;
        return null;
    }

    internal static string KindName(object value)
    {
        var attr = KindsOf(value.GetType());
        return attr?.Kinds.First(kv => kv.Value == value.GetType()).Key ?? "";
    }

    internal static string? DiscriminatorKey(Type type) => KindsOf(type)?.Key;

    static string Found(YamlNode node) => node switch
    {
        YamlScalarNode s => $"'{s.Value}'",
        YamlSequenceNode => "a list",
        _ => "a mapping",
    };

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    static string? ClosestName(string key, IReadOnlyList<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var name in known)
        {
            int d = Levenshtein(key, name);
            if (d < bestDistance) (best, bestDistance) = (name, d);
        }
        return bestDistance <= Math.Max(1, key.Length / 3) ? best : null;
    }

    static int Levenshtein(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
