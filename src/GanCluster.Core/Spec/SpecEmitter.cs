using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GanCluster.Core.Spec;

/// <summary>Writes spec objects as YAML (the resolved run.yaml), the inverse of <see cref="SpecBinder"/>.</summary>
public static class SpecEmitter
{
    public static YamlNode ToNode(object? value)
    {
        if (value == null) return new YamlScalarNode("null");
        var type = value.GetType();
        if (SpecSchema.IsScalar(type))
        {
            var node = new YamlScalarNode(SpecSchema.FormatScalar(value));
            // Quote strings that would read back as another type (numbers, booleans, null).
            if (value is string s && NeedsQuotes(s)) node.Style = ScalarStyle.DoubleQuoted;
            return node;
        }
        if (SpecSchema.IsList(type, out _))
        {
            var seq = new YamlSequenceNode();
            foreach (var item in (System.Collections.IEnumerable)value) seq.Add(ToNode(item));
            return seq;
        }
        if (SpecSchema.IsDictionary(type, out _, out _))
        {
            var map = new YamlMappingNode();
            var dict = (System.Collections.IDictionary)value;
            foreach (var key in dict.Keys.Cast<object>().OrderBy(k => k is int i ? i : 0).ThenBy(k => k.ToString(), StringComparer.Ordinal))
                map.Add(new YamlScalarNode(SpecSchema.FormatScalar(key)), ToNode(dict[key]));
            return map;
        }
        var mapping = new YamlMappingNode();
        if (SpecBinder.DiscriminatorKey(type) is { } discriminator)
            mapping.Add(discriminator, SpecBinder.KindName(value));
        foreach (var field in SpecSchema.FieldsOf(type))
            mapping.Add(new YamlScalarNode(field.Name), ToNode(field.Property.GetValue(value)));
        return mapping;
    }

    public static string ToYaml(object value)
    {
        var stream = new YamlStream(new YamlDocument(ToNode(value)));
        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        string text = writer.ToString();
        // YamlStream ends documents with "...": drop it, run.yaml is a single document.
        if (text.EndsWith("...\n", StringComparison.Ordinal)) text = text[..^4];
        else if (text.EndsWith("..." + Environment.NewLine, StringComparison.Ordinal)) text = text[..^(3 + Environment.NewLine.Length)];
        return text;
    }

    static bool NeedsQuotes(string s) =>
        s.Length == 0 || s is "null" or "~" or "true" or "false" ||
        double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _) ||
        s.IndexOfAny([':', '#', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`']) >= 0 ||
        char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1]);
}
