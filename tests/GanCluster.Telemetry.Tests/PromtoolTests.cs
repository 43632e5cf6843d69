namespace GanCluster.Telemetry.Tests;

/// <summary>`promtool check rules` and `promtool test rules` over deploy/monitoring/ (the rule unit tests with input series).</summary>
public class PromtoolTests
{
    [Fact]
    public void The_alert_and_recording_rules_pass_promtool_check_rules()
    {
        var (code, output) = Monitoring.Run("promtool", Monitoring.Dir, ["check", "rules", .. Monitoring.RuleFiles]);
        Assert.True(code == 0, output);
        // 8 recording rules, 8 alerts.
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(output, "SUCCESS: 8 rules found").Count);
    }

    [Fact]
    public void The_rule_unit_tests_pass_promtool_test_rules()
    {
        var (code, output) = Monitoring.Run("promtool", Monitoring.Dir, "test", "rules", "rules-tests.yaml");
        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS", output);
    }

    [Fact]
    public void Every_alert_has_a_severity_and_a_runbook_link_into_docs_monitoring()
    {
        string rules = File.ReadAllText(Monitoring.RuleFile("rules/alert-rules.yaml"));
        string docs = File.ReadAllText(Path.Combine(Monitoring.Dir, "..", "..", "docs", "monitoring.md"));
        var alerts = Monitoring.RuleExpressions().Where(r => r.Where.StartsWith("rules/alert-rules", StringComparison.Ordinal)).ToList();
        Assert.Equal(8, alerts.Count);
        Assert.Equal(8, System.Text.RegularExpressions.Regex.Matches(rules, @"severity: (warning|critical)").Count);
        var anchors = System.Text.RegularExpressions.Regex.Matches(rules, @"runbook_url: "".*docs/monitoring\.md#([a-z0-9-]+)""").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(8, anchors.Count);
        // GitHub's anchors: lower case, spaces to '-', punctuation dropped.
        var headings = docs.Split('\n').Where(l => l.StartsWith("### ", StringComparison.Ordinal))
            .Select(h => new string(h[4..].Trim().ToLowerInvariant().Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-').ToArray()).Replace(' ', '-')).ToHashSet();
        foreach (var a in anchors) Assert.Contains(a, headings);
    }
}
