namespace GanCluster.TestBed.Network;

/// <summary>
/// The nft ruleset of a host's port blocks: one table "gcbed" that drops TCP segments whose source or destination
/// port is blocked, on input and on output. Loaded with `nft -f` as one transaction that replaces the table, so a
/// change never leaves a moment without rules. Dropped, not rejected: a partition is silence, not a refusal.
/// </summary>
public static class PortFilter
{
    public static string Ruleset(IReadOnlyList<PortRange> blocked)
    {
        // "table X" then "delete table X": deleting works whether or not the table existed.
        var text = "table inet gcbed\ndelete table inet gcbed\n";
        if (blocked.Count == 0) return text;
        string set = "{ " + string.Join(", ", blocked.Distinct().Select(p => p.ToString())) + " }";
        return text + $$"""
            table inet gcbed {
              chain input {
                type filter hook input priority 0; policy accept;
                tcp dport {{set}} drop
                tcp sport {{set}} drop
              }
              chain output {
                type filter hook output priority 0; policy accept;
                tcp dport {{set}} drop
                tcp sport {{set}} drop
              }
            }

            """;
    }
}
