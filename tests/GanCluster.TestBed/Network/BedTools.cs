namespace GanCluster.TestBed.Network;

/// <summary>The system tools the bed is made of, found on PATH (iproute2: ip, tc; nftables: nft; util-linux: unshare, nsenter).</summary>
public sealed record BedTools(string Ip, string Tc, string Nft, string Unshare, string Nsenter)
{
    /// <summary>The tools, or the reason the bed cannot run here (not root, a tool missing): one line for a skipped test.</summary>
    public static (BedTools? Tools, string? Unavailable) Find()
    {
        if (!Environment.IsPrivilegedProcess)
            return (null, "the multi-host test bed needs root (network namespaces, nft, tc); run the tests as root, as CI does");
        string?[] paths = [Shell.Which("ip"), Shell.Which("tc"), Shell.Which("nft"), Shell.Which("unshare"), Shell.Which("nsenter")];
        string[] names = ["ip (iproute2)", "tc (iproute2)", "nft (nftables)", "unshare (util-linux)", "nsenter (util-linux)"];
        var missing = names.Where((_, i) => paths[i] == null).ToList();
        if (missing.Count > 0)
            return (null, $"the multi-host test bed needs {string.Join(", ", missing)}; `make test` installs them (build/scripts/deps.sh)");
        return (new BedTools(paths[0]!, paths[1]!, paths[2]!, paths[3]!, paths[4]!), null);
    }
}
