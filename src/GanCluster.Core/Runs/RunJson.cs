using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using GanCluster.Core.Runs.Events;

namespace GanCluster.Core.Runs;

/// <summary>
/// The one serialiser of what a run writes: metrics.jsonl rows (<see cref="MetricsRow"/>) and the details of
/// events.jsonl lines (<see cref="RunEvent"/>). Field names are snake_case of the record's property names unless a
/// [JsonPropertyName] says otherwise; they are the files' contract (the report, the Prometheus bridge and the tests
/// read them). JSON has no NaN or Infinity: a non-finite number is written as null.
/// </summary>
public static class RunJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // Relaxed escaping keeps "+" and non-ASCII readable in the files users grep.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new FiniteDouble() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { Flatten } },
    };

    /// <summary>A metrics.jsonl row.</summary>
    public static JsonObject Row(MetricsRow row) => Object(row);

    /// <summary>The details object of an events.jsonl line.</summary>
    public static JsonObject Details(RunEvent e) => e is PlanDecisionEvent plan ? plan.Decision.Details() : Object(e);

    /// <summary>Any record of the run's files (its runtime type's fields).</summary>
    public static JsonObject Object(object value) =>
        JsonSerializer.SerializeToNode(value, value.GetType(), Options) as JsonObject
        ?? throw new ArgumentException($"{value.GetType().Name} does not serialise to a JSON object", nameof(value));

    /// <summary>Replaces each [JsonFlatten] property by its value's own properties, at the same position.</summary>
    static void Flatten(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object) return;
        for (int i = info.Properties.Count - 1; i >= 0; i--)
        {
            var outer = info.Properties[i];
            if (outer.AttributeProvider?.IsDefined(typeof(JsonFlattenAttribute), inherit: false) != true) continue;
            info.Properties.RemoveAt(i);
            var getOuter = outer.Get ?? throw new InvalidOperationException($"{info.Type.Name}.{outer.Name} has no getter");
            var inner = info.Options.GetTypeInfo(outer.PropertyType);
            int at = i;
            foreach (var field in inner.Properties)
            {
                if (field.Get is not { } get) continue;
                var flat = info.CreateJsonPropertyInfo(field.PropertyType, field.Name);
                flat.CustomConverter = field.CustomConverter;
                var shouldSerialize = field.ShouldSerialize;
                // STJ reads the value before asking ShouldSerialize: an absent owner yields the type's default, never written.
                object? absent = field.PropertyType.IsValueType ? Activator.CreateInstance(field.PropertyType) : null;
                flat.Get = owner => getOuter(owner) is { } value ? get(value) : absent;
                flat.ShouldSerialize = (owner, v) => getOuter(owner) is { } value && (shouldSerialize?.Invoke(value, v) ?? true);
                info.Properties.Insert(at++, flat);
            }
        }
    }

    sealed class FiniteDouble : JsonConverter<double>
    {
        public override bool HandleNull => true;

        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }
}
