using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GanCluster.Core.Spec;

/// <summary>
/// Reads a run spec: YAML file, then <c>--set key.path=value</c> overrides, then binding and validation.
/// Every problem is reported at once as a <see cref="SpecException"/>.
/// </summary>
public static class RunSpecLoader
{
    public static RunSpec LoadFile(string? file, IEnumerable<string>? overrides = null)
    {
        string yaml = "";
        string? baseDir = null;
        if (file != null)
        {
            if (!File.Exists(file)) throw new SpecException("--config", "an existing YAML file", $"'{file}' (no such file)", "input");
            yaml = File.ReadAllText(file);
            baseDir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file));
        }
        return Parse(yaml, overrides, baseDir);
    }

    public static RunSpec Parse(string yaml, IEnumerable<string>? overrides = null, string? baseDir = null)
    {
        var problems = new SpecProblems();
        var root = ParseYaml(yaml, problems);
        foreach (var assignment in overrides ?? [])
            ApplyOverride(root, assignment, problems);
        problems.ThrowIfAny();
        var spec = new SpecBinder(problems).Bind<RunSpec>(root);
        problems.ThrowIfAny();
        ApplyArchDefaults(spec, root);
        // A path given with --set is relative to the working directory; one in the file, to the file's folder.
        string cwd = Directory.GetCurrentDirectory();
        bool FromCommandLine(string key) => (overrides ?? []).Any(o => o.TrimStart().StartsWith(key + "=", StringComparison.Ordinal));
        ResolvePaths(spec, FromCommandLine("data.path") ? cwd : baseDir ?? cwd, FromCommandLine("collapse.classifier") ? cwd : baseDir ?? cwd,
            FromCommandLine("data.cache_dir") ? cwd : baseDir ?? cwd);
        Validate(spec, problems);
        problems.ThrowIfAny();
        return spec;
    }

    /// <summary>Runs every section's <see cref="ISpecSection.Validate"/> with its path.</summary>
    public static void Validate(object spec, SpecProblems problems) => ValidateTree(spec, "", problems);

    static void ValidateTree(object node, string path, SpecProblems problems)
    {
        if (node is ISpecSection section) section.Validate(problems, path);
        if (SpecSchema.IsScalar(node.GetType())) return;
        if (node is System.Collections.IList list)
        {
            for (int i = 0; i < list.Count; i++)
                if (list[i] is { } item) ValidateTree(item, $"{path}[{i}]", problems);
            return;
        }
        if (node is System.Collections.IDictionary) return;
        foreach (var field in SpecSchema.FieldsOf(node.GetType()))
        {
            var value = field.Property.GetValue(node);
            if (value != null && !SpecSchema.IsScalar(value.GetType()))
                ValidateTree(value, SpecBinder.Join(path, field.Name), problems);
        }
    }

    static YamlMappingNode ParseYaml(string yaml, SpecProblems problems)
    {
        if (string.IsNullOrWhiteSpace(yaml)) return new YamlMappingNode();
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count == 0) return new YamlMappingNode();
            if (stream.Documents[0].RootNode is YamlMappingNode map) return map;
            problems.Add("", "a YAML mapping at the top level", "something else");
        }
        catch (YamlException e)
        {
            problems.Add($"line {e.Start.Line}, column {e.Start.Column}", "valid YAML", (e.InnerException?.Message ?? e.Message).Trim());
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this for some unterminated flow collections.
            problems.Add("line ?, column ?", "valid YAML", "an unterminated mapping, list or quoted string");
        }
        return new YamlMappingNode();
    }

    /// <summary>Applies one <c>key.path=value</c>; the value is read as YAML (so lists and mappings work too).</summary>
    public static void ApplyOverride(YamlMappingNode root, string assignment, SpecProblems problems)
    {
        int eq = assignment.IndexOf('=');
        if (eq <= 0)
        {
            problems.Add("--set", "key.path=value", $"'{assignment}'");
            return;
        }
        string[] keys = assignment[..eq].Trim().Split('.');
        string valueText = assignment[(eq + 1)..];
        YamlNode value = ParseValue(valueText);
        var map = root;
        for (int i = 0; i < keys.Length - 1; i++)
        {
            var key = new YamlScalarNode(keys[i]);
            if (!map.Children.TryGetValue(key, out var child) || child is YamlScalarNode { Value: null or "" or "null" or "~" })
            {
                child = new YamlMappingNode();
                map.Children[key] = child;
            }
            if (child is not YamlMappingNode childMap)
            {
                problems.Add(string.Join('.', keys[..(i + 1)]), "a mapping to set a key inside", "a value");
                return;
            }
            map = childMap;
        }
        map.Children[new YamlScalarNode(keys[^1])] = value;
    }

    static YamlNode ParseValue(string text)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count > 0) return stream.Documents[0].RootNode;
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            // Not YAML on its own (e.g. "a: b: c"): take it as a plain string.
        }
        return new YamlScalarNode(text) { Style = ScalarStyle.DoubleQuoted };
    }

    /// <summary>
    /// Defaults that depend on model.arch, for keys the spec leaves out: a progressive run gets a progressive
    /// section, trains to the end of its schedule (steps: null) and uses ProGAN's loss (wgan-gp with drift); an msg
    /// run gets an msg section and MSG-GAN's loss (ra-hinge).
    /// </summary>
    static void ApplyArchDefaults(RunSpec spec, YamlMappingNode root)
    {
        bool lossGiven = root.Children.ContainsKey(new YamlScalarNode("loss"));
        if (spec.Model.Arch == ModelArch.Msg)
        {
            spec.Msg ??= new MsgSpec();
            if (!lossGiven) spec.Loss = LossKind.RaHinge;
        }
        if (spec.Model.Arch != ModelArch.Progressive) return;
        spec.Progressive ??= new ProgressiveSpec();
        if (!root.Children.ContainsKey(new YamlScalarNode("steps"))) spec.Steps = null;
        if (!lossGiven) spec.Loss = LossKind.WganGp;
    }

    static void ResolvePaths(RunSpec spec, string? baseDir, string? classifierBaseDir, string? cacheBaseDir)
    {
        if (spec.Data.Path is { Length: > 0 } p && baseDir != null && !System.IO.Path.IsPathRooted(p) && !Storage.S3Location.IsS3(p))
            spec.Data.Path = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, p));
        if (spec.Data.CacheDir is { Length: > 0 } cache && cacheBaseDir != null && !System.IO.Path.IsPathRooted(cache) && !Storage.S3Location.IsS3(cache))
            spec.Data.CacheDir = System.IO.Path.GetFullPath(System.IO.Path.Combine(cacheBaseDir, cache));
        if (spec.Collapse.Classifier is { Length: > 0 } c && c is not (CollapseSpec.AutoClassifier or CollapseSpec.NoClassifier)
            && classifierBaseDir != null && !System.IO.Path.IsPathRooted(c))
            spec.Collapse.Classifier = System.IO.Path.GetFullPath(System.IO.Path.Combine(classifierBaseDir, c));
    }
}
