using TorchSharp;
using static TorchSharp.torch;

namespace GanCluster.Training.Tests;

/// <summary>
/// The build's native fix (build/FixTorchNative.cs): TorchSharp loads on this host, the build output copy is
/// patched only when the host libstdc++ lacks GLIBCXX_3.4.32, and the NuGet cache is never modified.
/// </summary>
public class TorchNativeTests
{
    static string NativeDir => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

    static string CacheCopy =>
        Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    static ElfVersionNeeds.Need Need(string lib) =>
        ElfVersionNeeds.Read(File.ReadAllBytes(lib)).Single(n => n.Name == FixTorchNative.MissingVersion);

    [Fact]
    public void A_tensor_op_runs()
    {
        using var a = tensor(new float[] { 1, 2, 3 });
        using var b = a * 2 + 1;
        Assert.Equal(new float[] { 3, 5, 7 }, b.data<float>().ToArray());
    }

    [Fact]
    public void The_output_copy_is_patched_exactly_when_the_host_needs_it()
    {
        string host = FixTorchNative.FindHostLibStdCxx()!;
        bool hostHasIt = FixTorchNative.HostProvides(host, FixTorchNative.MissingVersion);
        string lib = Path.Combine(NativeDir, "libLibTorchSharp.so");
        Assert.Equal(!hostHasIt, Need(lib).IsWeak);
        Assert.Equal(!hostHasIt, FixTorchNative.ReadNeeded(lib).Contains(FixTorchNative.ShimFileName));
        Assert.Equal(!hostHasIt, File.Exists(Path.Combine(NativeDir, FixTorchNative.ShimFileName)));
    }

    [Fact]
    public void The_nuget_cache_copy_is_never_modified()
    {
        Assert.True(File.Exists(CacheCopy), $"expected TorchSharp's native library in the NuGet cache at {CacheCopy}");
        Assert.False(Need(CacheCopy).IsWeak);
        Assert.DoesNotContain(FixTorchNative.ShimFileName, FixTorchNative.ReadNeeded(CacheCopy));
    }

    [Fact]
    public void Marking_weak_changes_only_that_version_need()
    {
        var elf = File.ReadAllBytes(CacheCopy);
        var before = ElfVersionNeeds.Read(elf);
        Assert.Equal(1, ElfVersionNeeds.MarkWeak(elf, FixTorchNative.MissingVersion));
        var after = ElfVersionNeeds.Read(elf);
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            Assert.Equal(before[i].Name, after[i].Name);
            Assert.Equal(before[i].Name == FixTorchNative.MissingVersion, after[i].IsWeak != before[i].IsWeak);
        }
        Assert.Equal(0, ElfVersionNeeds.MarkWeak(elf, FixTorchNative.MissingVersion)); // idempotent
    }

    [Fact]
    public void The_fix_is_skipped_on_a_host_that_provides_the_version_and_idempotent_otherwise()
    {
        string dir = Directory.CreateTempSubdirectory("native-").FullName;
        File.Copy(CacheCopy, Path.Combine(dir, "libLibTorchSharp.so"));
        string shimSource = Path.Combine(FindRepoRoot(), "build", "native", "glibcxx_shim.c");

        string newHost = Path.Combine(dir, "libstdc++-new.so.6");
        File.WriteAllText(newHost, "...GLIBCXX_3.4.31\0GLIBCXX_3.4.32\0...");
        Assert.Contains("nothing to fix", FixTorchNative.Fix(dir, shimSource, newHost));
        Assert.False(Need(Path.Combine(dir, "libLibTorchSharp.so")).IsWeak);

        string oldHost = Path.Combine(dir, "libstdc++-old.so.6");
        File.WriteAllText(oldHost, "...GLIBCXX_3.4.30\0GLIBCXX_3.4.31\0...");
        Assert.Contains("marked", FixTorchNative.Fix(dir, shimSource, oldHost));
        Assert.True(Need(Path.Combine(dir, "libLibTorchSharp.so")).IsWeak);
        Assert.Contains(FixTorchNative.ShimFileName, FixTorchNative.ReadNeeded(Path.Combine(dir, "libLibTorchSharp.so")));
        Assert.Equal("already fixed", FixTorchNative.Fix(dir, shimSource, oldHost));
    }

    static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "GanCluster.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("repository root");
    }
}
