using System.CommandLine;
using System.Text.Json;
using GanCluster.Core.Spec;

namespace GanCluster.Cli.Commands;

/// <summary>
/// `gancluster spec show --config FILE [--set ...]`: the resolved spec, every default filled in, a comment per key (what
/// Lightning's --print_config gives); `gancluster spec schema`: its JSON Schema for editors (draft 2020-12).
/// Both print the product on stdout.
/// </summary>
public static class SpecCommand
{
    static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create()
    {
        var config = CommonOptions.Config();
        var set = CommonOptions.Set();
        var show = new Command("show", "print the resolved run spec (defaults filled in) with a comment per key") { config, set };
        show.SetAction(parse =>
        {
            string? file = parse.GetValue(config);
            var spec = CommonOptions.LoadSpec(file, parse.GetValue(set));
            string header = $"The resolved run spec{(file == null ? "" : $" of {file}")}: what a run with it would write to RUN_DIR/run.yaml.";
            Console.Out.Write(SpecDocumentWriter.ToCommentedYaml(spec, header));
            return CliApp.Ok;
        });
        var schema = new Command("schema", $"print the run spec's JSON Schema (draft 2020-12; kept in {SpecJsonSchema.RepositoryPath})");
        schema.SetAction(_ =>
        {
            Console.Out.WriteLine(SpecJsonSchema.Generate().ToJsonString(Indented));
            return CliApp.Ok;
        });
        return new Command("spec", "the run spec: resolved values and JSON Schema") { show, schema };
    }
}
