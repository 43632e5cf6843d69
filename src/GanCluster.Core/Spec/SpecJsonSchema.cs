using System.Reflection;
using System.Text.Json.Nodes;

namespace GanCluster.Core.Spec;

/// <summary>
/// The run spec's JSON Schema (draft 2020-12), generated from the definitions the binder uses (<see cref="SpecSchema"/>:
/// field names, types, enum names, <see cref="SpecKindsAttribute"/> kinds, <see cref="SpecDocAttribute"/> texts), so
/// editors complete and check run specs (`# yaml-language-server: $schema=...`). It describes keys, types, enums and
/// defaults; value ranges and cross-field rules stay in the sections' Validate (the loader reports them).
/// </summary>
public static class SpecJsonSchema
{
    public const string Dialect = "https://json-schema.org/draft/2020-12/schema";

    /// <summary>Where the schema is kept in the repository (examples/ point at it; a test keeps it up to date).</summary>
    public const string RepositoryPath = "docs/run-spec.schema.json";

    public static JsonObject Generate()
    {
        var defs = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        var root = new JsonObject
        {
            ["$schema"] = Dialect,
            ["title"] = "GanCluster run spec",
            ["description"] = "Everything that defines a run (`gancluster train|local|coordinator|trainer --config FILE`). " +
                              "Every key has a default; unknown keys are errors. `gancluster spec show` prints the resolved spec.",
        };
        foreach (var (key, value) in ObjectSchema(typeof(RunSpec), new RunSpec(), defs)) root[key] = value?.DeepClone();
        var defsNode = new JsonObject();
        foreach (var (name, schema) in defs) defsNode[name] = schema;
        root["$defs"] = defsNode;
        return root;
    }

    /// <summary>The schema of a property's value; <paramref name="allowNull"/> when the binder accepts null there.</summary>
    static JsonObject ValueSchema(Type type, bool allowNull, SortedDictionary<string, JsonObject> defs)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying != null) return ValueSchema(underlying, true, defs);
        if (type.IsEnum)
        {
            var names = new JsonArray(SpecSchema.EnumNames(type).Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
            if (allowNull) names.Add(null);
            return new JsonObject { ["enum"] = names };
        }
        string? primitive = type == typeof(string) ? "string"
            : type == typeof(bool) ? "boolean"
            : type == typeof(int) || type == typeof(long) ? "integer"
            : type == typeof(double) || type == typeof(float) ? "number"
            : null;
        if (primitive != null) return new JsonObject { ["type"] = allowNull ? new JsonArray(primitive, "null") : primitive };

        JsonObject schema;
        if (SpecSchema.IsList(type, out var item))
            schema = new JsonObject { ["type"] = "array", ["items"] = ValueSchema(item, false, defs) };
        else if (SpecSchema.IsDictionary(type, out var keyType, out var valueType))
        {
            schema = new JsonObject { ["type"] = "object", ["additionalProperties"] = ValueSchema(valueType, false, defs) };
            if (keyType == typeof(int) || keyType == typeof(long)) schema["propertyNames"] = new JsonObject { ["pattern"] = "^-?[0-9]+$" };
        }
        else schema = Reference(type, defs);
        return allowNull ? new JsonObject { ["anyOf"] = new JsonArray(schema, new JsonObject { ["type"] = "null" }) } : schema;
    }

    /// <summary>A section type, defined once under $defs; a kinds type is one of its kinds, picked by the discriminator.</summary>
    static JsonObject Reference(Type type, SortedDictionary<string, JsonObject> defs)
    {
        if (type.GetCustomAttribute<SpecKindsAttribute>(inherit: false) is { } kinds)
        {
            var choices = new JsonArray();
            foreach (var (kind, concrete) in kinds.Kinds)
            {
                Define(concrete, defs, (kinds.Key, kind));
                choices.Add(new JsonObject { ["$ref"] = $"#/$defs/{concrete.Name}" });
            }
            return new JsonObject { ["oneOf"] = choices };
        }
        Define(type, defs, null);
        return new JsonObject { ["$ref"] = $"#/$defs/{type.Name}" };
    }

    static void Define(Type type, SortedDictionary<string, JsonObject> defs, (string Key, string Kind)? discriminator)
    {
        if (defs.ContainsKey(type.Name)) return;
        defs[type.Name] = []; // placeholder: a type may (indirectly) contain itself
        var schema = ObjectSchema(type, Activator.CreateInstance(type)!, defs);
        if (discriminator is var (key, kind))
        {
            var properties = (JsonObject)schema["properties"]!;
            var withKind = new JsonObject { [key] = new JsonObject { ["const"] = kind, ["description"] = $"{key} of this entry" } };
            foreach (var (name, value) in properties) withKind[name] = value?.DeepClone();
            schema["properties"] = withKind;
            schema["required"] = new JsonArray(key);
        }
        defs[type.Name] = schema;
    }

    static JsonObject ObjectSchema(Type type, object defaults, SortedDictionary<string, JsonObject> defs)
    {
        var properties = new JsonObject();
        foreach (var field in SpecSchema.FieldsOf(type))
        {
            var property = field.Property;
            bool allowNull = SpecSchema.AcceptsNull(property);
            var schema = ValueSchema(property.PropertyType, allowNull, defs);
            if (field.Doc != null) schema["description"] = field.Doc;
            schema["default"] = SpecJson.ToJson(property.GetValue(defaults));
            properties[field.Name] = schema;
        }
        return new JsonObject { ["type"] = "object", ["properties"] = properties, ["additionalProperties"] = false };
    }
}
