using System.Text.Json.Nodes;

namespace GanCluster.Core.Spec;

/// <summary>A spec value as JSON, written as <see cref="SpecEmitter"/> writes YAML (the defaults in the JSON Schema).</summary>
public static class SpecJson
{
    public static JsonNode? ToJson(object? value)
    {
        if (value == null) return null;
        var type = value.GetType();
        switch (value)
        {
            case bool b: return JsonValue.Create(b);
            case int i: return JsonValue.Create(i);
            case long l: return JsonValue.Create(l);
            case double d: return JsonValue.Create(d);
            case float f: return JsonValue.Create((double)f);
            case string s: return JsonValue.Create(s);
            case Enum e: return JsonValue.Create(SpecSchema.EnumName(type, e));
        }
        if (SpecSchema.IsList(type, out _))
            return new JsonArray(((System.Collections.IEnumerable)value).Cast<object?>().Select(ToJson).ToArray());
        var obj = new JsonObject();
        if (SpecSchema.IsDictionary(type, out _, out _))
        {
            var dict = (System.Collections.IDictionary)value;
            foreach (var key in dict.Keys.Cast<object>().OrderBy(k => k is int i ? i : 0))
                obj[SpecSchema.FormatScalar(key)] = ToJson(dict[key]);
            return obj;
        }
        if (SpecBinder.DiscriminatorKey(type) is { } discriminator) obj[discriminator] = SpecBinder.KindName(value);
        foreach (var field in SpecSchema.FieldsOf(type)) obj[field.Name] = ToJson(field.Property.GetValue(value));
        return obj;
    }
}
