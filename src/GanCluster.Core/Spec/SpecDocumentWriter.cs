using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace GanCluster.Core.Spec;

/// <summary>
/// A resolved spec as YAML with a comment above every key (its <see cref="SpecDocAttribute"/> text): what
/// `gancluster spec show` prints. The values are <see cref="SpecEmitter"/>'s, so the text reads back as the same spec.
/// </summary>
public static class SpecDocumentWriter
{
    public static string ToCommentedYaml(object spec, string? header = null)
    {
        using var writer = new StringWriter();
        var emitter = new Emitter(writer);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        if (header != null)
            foreach (var line in header.Split('\n')) emitter.Emit(new Comment(line, false));
        Write(emitter, spec);
        emitter.Emit(new DocumentEnd(true));
        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    static void Write(IEmitter emitter, object? value)
    {
        if (value == null || SpecSchema.IsScalar(value.GetType()))
        {
            var node = (YamlScalarNode)SpecEmitter.ToNode(value);
            emitter.Emit(new Scalar(null, null, node.Value ?? "", node.Style, true, false));
            return;
        }
        var type = value.GetType();
        if (SpecSchema.IsList(type, out _))
        {
            emitter.Emit(new SequenceStart(null, null, false, SequenceStyle.Block));
            foreach (var item in (System.Collections.IEnumerable)value) Write(emitter, item);
            emitter.Emit(new SequenceEnd());
            return;
        }
        emitter.Emit(new MappingStart(null, null, false, MappingStyle.Block));
        if (SpecSchema.IsDictionary(type, out _, out _))
        {
            var dict = (System.Collections.IDictionary)value;
            foreach (var key in dict.Keys.Cast<object>().OrderBy(k => k is int i ? i : 0))
            {
                Write(emitter, key);
                Write(emitter, dict[key]);
            }
        }
        else
        {
            if (SpecBinder.DiscriminatorKey(type) is { } discriminator)
            {
                Write(emitter, discriminator);
                Write(emitter, SpecBinder.KindName(value));
            }
            foreach (var field in SpecSchema.FieldsOf(type))
            {
                if (field.Doc != null) emitter.Emit(new Comment(field.Doc, false));
                Write(emitter, field.Name);
                Write(emitter, field.Property.GetValue(value));
            }
        }
        emitter.Emit(new MappingEnd());
    }
}
