
using System.Globalization;
using System.Reflection;
using System.Text;

namespace GanCluster.Core.Spec;

/// <summary>
/// How C# spec types map to YAML: property and enum names, which properties are fields, how scalars
/// print. Shared by <see cref="SpecBinder"/> (YAML to objects) and <see cref="SpecEmitter"/> (objects to YAML).
/// </summary>
public static class SpecSchema
{
    public sealed record Field(string Name, PropertyInfo Property, string? Doc);

    static readonly Dictionary<Type, IReadOnlyList<Field>> FieldCache = [];

    public static IReadOnlyList<Field> FieldsOf(Type type)
    {
        lock (FieldCache)
        {
            if (FieldCache.TryGetValue(type, out var cached)) return cached;
            var fields = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanRead && p.CanWrite && p.GetIndexParameters().Length == 0)
                .Where(p => p.GetCustomAttribute<SpecIgnoreAttribute>() == null)
                .OrderBy(p => p.MetadataToken)
                .Select(p => new Field(p.GetCustomAttribute<SpecNameAttribute>()?.Name ?? SnakeCase(p.Name), p,
                    p.GetCustomAttribute<SpecDocAttribute>()?.Text))
                .ToList();
            // A derived kind lists the base's fields first (MetadataToken order is per declaring type).
            fields = fields.OrderBy(f => Depth(f.Property.DeclaringType!)).ToList();
            FieldCache[type] = fields;
            return fields;
        }
    }

    static int Depth(Type t)
    {
        int depth = 0;
        for (var b = t.BaseType; b != null; b = b.BaseType) depth++;
        return depth;
    }

    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) ||
                              (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                    sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Enum values are written in kebab-case (WganGp -> wgan-gp) unless named explicitly.</summary>
    public static string EnumName(Type enumType, object value)
    {
        string member = Enum.GetName(enumType, value) ?? value.ToString()!;
        var attr = enumType.GetField(member)?.GetCustomAttribute<SpecNameAttribute>();
        return attr?.Name ?? SnakeCase(member).Replace('_', '-');
    }

    public static IReadOnlyList<string> EnumNames(Type enumType) =>
        Enum.GetValues(enumType).Cast<object>().Select(v => EnumName(enumType, v)).ToList();

    static readonly NullabilityInfoContext Nullability = new();

    /// <summary>
    /// Whether a field may be null in YAML: strings, nullable value types (int?) and sections declared nullable
    /// (e.g. progressive: null). The binder and the JSON Schema both ask here.
    /// </summary>
    public static bool AcceptsNull(PropertyInfo property)
    {
        var t = property.PropertyType;
        if (t == typeof(string) || Nullable.GetUnderlyingType(t) != null) return true;
        if (t.IsValueType) return false;
        lock (Nullability) return Nullability.Create(property).WriteState == NullabilityState.Nullable;
    }

    public static bool IsScalar(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        return t == typeof(string) || t == typeof(bool) || t == typeof(int) || t == typeof(long) ||
               t == typeof(double) || t == typeof(float) || t.IsEnum;
    }

    public static bool IsDictionary(Type t, out Type keyType, out Type valueType)
    {
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            var args = t.GetGenericArguments();
            (keyType, valueType) = (args[0], args[1]);
            return true;
        }
        keyType = valueType = typeof(void);
        return false;
    }

    public static bool IsList(Type t, out Type itemType)
    {
        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>))
        {
            itemType = t.GetGenericArguments()[0];
            return true;
        }
        itemType = typeof(void);
        return false;
    }

    public static string FormatScalar(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        double d => FormatDouble(d),
        float f => FormatDouble(f),
        Enum e => EnumName(e.GetType(), e),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    static string FormatDouble(double d)
    {
        string s = d.ToString("R", CultureInfo.InvariantCulture);
        // Keep a decimal point or exponent so the value reads back as a float, not an integer.
        return s.Contains('.') || s.Contains('E') || s.Contains('N') || s.Contains('I') ? s : s + ".0";
    }

    /// <summary>A human description of a type for "expected ..." messages.</summary>
    public static string Describe(Type t)
    {
        var u = Nullable.GetUnderlyingType(t);
        if (u != null) return Describe(u) + " or null";
        if (t == typeof(string)) return "a string";
        if (t == typeof(bool)) return "true or false";
        if (t == typeof(int) || t == typeof(long)) return "an integer";
        if (t == typeof(double) || t == typeof(float)) return "a number";
        if (t.IsEnum) return "one of " + string.Join(" | ", EnumNames(t));
        if (IsList(t, out _)) return "a list";
        return "a mapping";
    }

}
