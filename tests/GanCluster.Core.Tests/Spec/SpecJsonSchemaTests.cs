using System.Reflection;
using System.Text.Json.Nodes;
using GanCluster.Core.Spec;
using Json.Schema;
using YamlDotNet.RepresentationModel;

namespace GanCluster.Core.Tests.Spec;

/// <summary>
/// The JSON Schema of `gancluster spec schema` against the binder it is generated from: every example validates,
/// the file in the repository is the generated one, and schema and binder accept and refuse the same keys, types
/// and enum values (checked with JsonSchema.Net, a draft 2020-12 validator, for every field of every section).
/// </summary>
public class SpecJsonSchemaTests
{
    static readonly JsonSchema Schema = JsonSchema.FromText(SpecJsonSchema.Generate().ToJsonString());

    static bool SchemaAccepts(JsonNode? document) => Schema.Evaluate(Element(document)).IsValid;

    static System.Text.Json.JsonElement Element(JsonNode? node) => System.Text.Json.JsonDocument.Parse(node?.ToJsonString() ?? "null").RootElement;

    /// <summary>The binder alone (no range checks): JSON text is YAML, so the same document goes to both.</summary>
    static IReadOnlyList<SpecProblem> BinderProblems(JsonNode? document)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(document?.ToJsonString() ?? "{}"));
        var problems = new SpecProblems();
        new SpecBinder(problems).Bind<RunSpec>(stream.Documents[0].RootNode);
        return problems.Items;
    }

    static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "GanCluster.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    [Fact]
    public void Every_example_names_the_schema_and_validates_against_it()
    {
        var examples = Directory.GetFiles(Path.Combine(RepoRoot(), "examples"), "*.yaml");
        Assert.NotEmpty(examples);
        foreach (var file in examples)
        {
            string text = File.ReadAllText(file);
            Assert.StartsWith($"# yaml-language-server: $schema=../{SpecJsonSchema.RepositoryPath}\n", text);
            var results = Schema.Evaluate(Element(YamlCoreSchema.ToJson(text)), new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(results.IsValid, $"{file}: " + string.Join("; ", (results.Details ?? []).Where(d => d.Errors != null)
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
            RunSpecLoader.LoadFile(file); // and the loader takes it
        }
    }

    [Fact]
    public void The_schema_in_the_repository_is_the_generated_one()
    {
        var kept = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoRoot(), SpecJsonSchema.RepositoryPath)));
        Assert.True(JsonNode.DeepEquals(SpecJsonSchema.Generate(), kept),
            $"{SpecJsonSchema.RepositoryPath} is stale: regenerate it with `./gancluster spec schema > {SpecJsonSchema.RepositoryPath}`");
    }

    [Theory]
    [InlineData("""{"model": {"ngff": 16}}""")] // unknown key
    [InlineData("""{"steps": "lots"}""")] // wrong type
    [InlineData("""{"batch_size": 1.5}""")] // a fraction for an integer
    [InlineData("""{"loss": "hinge2"}""")] // not an enum value
    [InlineData("""{"data": null}""")] // a section that cannot be null
    [InlineData("""{"policy": [{"kind": "nope"}]}""")] // unknown kind
    [InlineData("""{"policy": [{"kind": "ttur", "lr_q": 1}]}""")] // a key of another kind
    [InlineData("""{"policy": [{"lr_g": 1}]}""")] // no kind
    [InlineData("""{"progressive": {"batch_size": {"x": 1}}}""")] // a resolution that is not a number
    [InlineData("""{"collapse": {"response": {"mitigation": [{"kind": "scale_lr", "lr_g": "half"}]}}}""")]
    public void A_mistake_the_binder_refuses_is_refused_by_the_schema(string json)
    {
        var document = JsonNode.Parse(json);
        Assert.NotEmpty(BinderProblems(document));
        Assert.False(SchemaAccepts(document), json);
    }

    [Fact]
    public void Schema_and_binder_agree_on_every_key_type_and_enum_value()
    {
        var schema = SpecJsonSchema.Generate();
        int checkedFields = Visit(typeof(RunSpec), schema, schema, v => v, "");
        Assert.True(checkedFields > 60, $"only {checkedFields} fields visited");
    }

    /// <summary>Checks the fields of <paramref name="type"/>; <paramref name="place"/> puts a section's mapping where it lives in a document.</summary>
    static int Visit(Type type, JsonObject root, JsonObject typeSchema, Func<JsonObject, JsonObject> place, string path, (string Key, string Kind)? kind = null)
    {
        var properties = (JsonObject)typeSchema["properties"]!;
        var fields = SpecSchema.FieldsOf(type);
        var expectedKeys = fields.Select(f => f.Name).Concat(kind is { } k ? [k.Key] : []).Order().ToList();
        Assert.Equal(expectedKeys, properties.Select(p => p.Key).Order().ToList());
        Assert.False((bool)typeSchema["additionalProperties"]!);
        int count = 0;
        JsonObject Section(string key, JsonNode? value)
        {
            var section = new JsonObject { [key] = value };
            if (kind is var (discriminator, name)) section[discriminator] = name;
            return place(section);
        }
        // An unknown key is refused by both.
        Assert.NotEmpty(BinderProblems(Section("no_such_key", 1)));
        Assert.False(SchemaAccepts(Section("no_such_key", 1)), $"{path}.no_such_key");
        foreach (var field in fields)
        {
            string at = SpecBinder.Join(path, field.Name);
            var t = field.Property.PropertyType;
            var u = Nullable.GetUnderlyingType(t) ?? t;
            foreach (var (value, valid) in Samples(u, SpecSchema.AcceptsNull(field.Property)))
            {
                var document = Section(field.Name, value?.DeepClone());
                Assert.True(valid == SchemaAccepts(document), $"{at} = {value?.ToJsonString() ?? "null"}: the schema should {(valid ? "accept" : "refuse")} it");
                Assert.True(valid == (BinderProblems(document).Count == 0), $"{at} = {value?.ToJsonString() ?? "null"}: the binder should {(valid ? "accept" : "refuse")} it");
            }
            if (!SpecSchema.IsScalar(u) && !SpecSchema.IsDictionary(u, out _, out _))
            {
                if (SpecSchema.IsList(u, out var item) && SpecSchema.IsScalar(item))
                {
                    // A list of scalars (augment.ops): each item's samples, as a one-item list.
                    foreach (var (value, valid) in Samples(item, acceptsNull: false).Where(s => s.Value != null))
                    {
                        var document = Section(field.Name, new JsonArray(value!.DeepClone()));
                        Assert.True(valid == SchemaAccepts(document), $"{at}[0] = {value.ToJsonString()}: the schema should {(valid ? "accept" : "refuse")} it");
                        Assert.True(valid == (BinderProblems(document).Count == 0), $"{at}[0] = {value.ToJsonString()}: the binder should {(valid ? "accept" : "refuse")} it");
                    }
                }
                else if (SpecSchema.IsList(u, out item))
                {
                    var kinds = item.GetCustomAttribute<SpecKindsAttribute>()!;
                    foreach (var (name, concrete) in kinds.Kinds)
                        count += Visit(concrete, root, Definition(root, concrete),
                            s => Section(field.Name, new JsonArray(s)), $"{at}[{name}]", (kinds.Key, name));
                }
                else count += Visit(u, root, Definition(root, u), s => Section(field.Name, s), at);
            }
            count++;
        }
        return count;
    }

    static JsonObject Definition(JsonObject root, Type type) => (JsonObject)root["$defs"]![type.Name]!;

    /// <summary>Values of a field's type that both must accept (true) and of other types both must refuse (false).</summary>
    static IEnumerable<(JsonNode? Value, bool Valid)> Samples(Type t, bool acceptsNull)
    {
        yield return (null, acceptsNull);
        if (t == typeof(bool)) { yield return (true, true); yield return ("maybe", false); yield return (3, false); }
        else if (t == typeof(int) || t == typeof(long)) { yield return (3, true); yield return (2.5, false); yield return ("many", false); }
        else if (t == typeof(double) || t == typeof(float)) { yield return (0.25, true); yield return (3, true); yield return ("much", false); }
        else if (t == typeof(string)) { yield return ("some text", true); yield return (new JsonArray(1), false); }
        else if (t.IsEnum)
        {
            foreach (var name in SpecSchema.EnumNames(t)) yield return (name, true);
            yield return ("not-a-value", false);
        }
        else if (SpecSchema.IsDictionary(t, out _, out var valueType))
        {
            JsonNode sample = valueType == typeof(int) ? 16 : 0.001;
            yield return (new JsonObject { ["8"] = sample.DeepClone() }, true);
            yield return (new JsonObject { ["eight"] = sample.DeepClone() }, false);
            yield return (new JsonObject { ["8"] = "x" }, false);
        }
        else if (SpecSchema.IsList(t, out _)) { yield return (new JsonArray(), true); yield return ("a list", false); }
        else { yield return (new JsonObject(), true); yield return (7, false); }
    }

    [Fact]
    public void Every_key_has_a_doc_comment()
    {
        var missing = new List<string>();
        void Walk(Type type, string path)
        {
            foreach (var field in SpecSchema.FieldsOf(type))
            {
                string at = SpecBinder.Join(path, field.Name);
                if (string.IsNullOrWhiteSpace(field.Doc)) missing.Add(at);
                var t = Nullable.GetUnderlyingType(field.Property.PropertyType) ?? field.Property.PropertyType;
                if (SpecSchema.IsScalar(t) || SpecSchema.IsDictionary(t, out _, out _)) continue;
                if (SpecSchema.IsList(t, out var scalar) && SpecSchema.IsScalar(scalar)) continue; // augment.ops
                if (SpecSchema.IsList(t, out var item))
                {
                    foreach (var (name, concrete) in item.GetCustomAttribute<SpecKindsAttribute>()!.Kinds) Walk(concrete, $"{at}[{name}]");
                }
                else Walk(t, at);
            }
        }
        Walk(typeof(RunSpec), "");
        Assert.True(missing.Count == 0, "keys without [SpecDoc]: " + string.Join(", ", missing));
    }
}
