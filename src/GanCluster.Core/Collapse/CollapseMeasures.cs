using System.Text.Json.Nodes;

namespace GanCluster.Core.Collapse;

/// <summary>One evaluation of a set of generated (or any) images against the reference data.</summary>
/// <param name="N">Images measured.</param>
/// <param name="Diversity">Mean pairwise feature distance of the set divided by that of the real sample (1: as diverse as the data).</param>
/// <param name="DuplicateRate">Fraction of the set's pairs closer than the real-real duplicate threshold.</param>
/// <param name="Coverage">Class spread, when a classifier applies.</param>
/// <param name="Score">The combined collapse score (<see cref="CollapseScore"/>).</param>
public sealed record CollapseMeasures(int N, double Diversity, double DuplicateRate, ClassCoverage? Coverage, double Score)
{
    /// <summary>The same measures with the score recombined to count the quality measures' recall (<see cref="CollapseScore"/>).</summary>
    public CollapseMeasures WithRecall(double recall, double duplicatePercentile) =>
        this with { Score = CollapseScore.Combine(Diversity, DuplicateRate, duplicatePercentile, Coverage, recall) };

    /// <summary>
    /// The fields shared by metrics.jsonl rows and `gancluster evaluate`: diversity, duplicate_rate, classes_covered,
    /// class_histogram, kl_uniform, collapse_score, collapse_suspected, n (class fields are null without a classifier).
    /// </summary>
    public JsonObject ToJson(bool suspected)
    {
        return new JsonObject
        {
            ["diversity"] = Round(Diversity),
            ["duplicate_rate"] = Round(DuplicateRate),
            ["classes_covered"] = Coverage?.ClassesCovered,
            ["class_histogram"] = Coverage == null ? null : new JsonArray(Coverage.Histogram.Select(h => (JsonNode?)JsonValue.Create(Round(h))).ToArray()),
            ["kl_uniform"] = Coverage == null ? null : Round(Coverage.KlUniform),
            ["collapse_score"] = Round(Score),
            ["collapse_suspected"] = suspected,
            ["n"] = N,
        };
    }

    static double Round(double v) => Math.Round(v, 5);
}
