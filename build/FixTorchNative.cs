// MSBuild inline task (RoslynCodeTaskFactory) that makes TorchSharp's native library load on hosts whose
// libstdc++ is older than the one it was built against (Debian 12: GCC 12, no GLIBCXX_3.4.32).
//
// libLibTorchSharp.so 0.107.0 needs exactly one symbol from GLIBCXX_3.4.32: std::ios_base_library_init(),
// an empty function in libstdc++ 13. The fix, applied to the *build output copy* only:
//   1. mark the GLIBCXX_3.4.32 version need weak (VER_FLG_WEAK in its Elf64_Vernaux entry), so the loader
//      no longer refuses the library when the version is missing;
//   2. add a one-function shim library next to it that defines the symbol (patchelf --add-needed, rpath $ORIGIN).
// Nothing happens when the host libstdc++ already provides the version. The file is rewritten through a
// temporary copy and a rename, so a hard link into the NuGet cache is broken rather than written through.
// The test project compiles this file too, to check the ELF logic on real copies of the library.
// Written for netstandard2.0 (what RoslynCodeTaskFactory compiles against): no spans, no newer overloads.
#nullable disable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;

public class FixTorchNative : Microsoft.Build.Utilities.Task
{
    public const string MissingVersion = "GLIBCXX_3.4.32";
    public const string ShimFileName = "libgancluster_glibcxx_shim.so";

    /// <summary>Folder that holds libLibTorchSharp.so (OutDir/runtimes/linux-x64/native).</summary>
    [Required] public string NativeDir { get; set; } = "";

    /// <summary>C source of the shim library.</summary>
    [Required] public string ShimSource { get; set; } = "";

    /// <summary>Optional: the libstdc++ to test for the version (default: the host's).</summary>
    public string HostLibStdCxx { get; set; } = "";

    public override bool Execute()
    {
        try
        {
            string message = Fix(NativeDir, ShimSource, string.IsNullOrEmpty(HostLibStdCxx) ? null : HostLibStdCxx);
            Log.LogMessage(MessageImportance.Normal, "FixTorchNative: " + message);
            return true;
        }
        catch (Exception e)
        {
            Log.LogError("FixTorchNative: " + e.Message);
            return false;
        }
    }

    /// <summary>Applies the fix if needed; returns what was done, in one sentence.</summary>
    public static string Fix(string nativeDir, string shimSource, string hostLibStdCxx)
    {
        string lib = Path.Combine(nativeDir, "libLibTorchSharp.so");
        if (!File.Exists(lib)) return "no libLibTorchSharp.so in " + nativeDir;
        byte[] elf = File.ReadAllBytes(lib);
        var need = ElfVersionNeeds.Read(elf).FirstOrDefault(n => n.Name == MissingVersion);
        if (need == null) return "libLibTorchSharp.so does not need " + MissingVersion;
        string host = hostLibStdCxx ?? FindHostLibStdCxx();
        if (host != null && HostProvides(host, MissingVersion))
            return host + " provides " + MissingVersion + "; nothing to fix";

        string shim = Path.Combine(nativeDir, ShimFileName);
        bool needsShim = !ReadNeeded(lib).Contains(ShimFileName);
        if (need.IsWeak && !needsShim && File.Exists(shim)) return "already fixed";

        if (!File.Exists(shim)) CompileShim(shimSource, shim);
        string tmp = lib + ".fixing";
        ElfVersionNeeds.MarkWeak(elf, MissingVersion);
        File.WriteAllBytes(tmp, elf);
        if (needsShim) Run("patchelf", "--add-needed " + ShimFileName + " \"" + tmp + "\"");
        string rpath = Run("patchelf", "--print-rpath \"" + tmp + "\"").Trim();
        if (!rpath.Split(':').Contains("$ORIGIN"))
            Run("patchelf", "--set-rpath '" + (rpath.Length == 0 ? "$ORIGIN" : "$ORIGIN:" + rpath) + "' \"" + tmp + "\"");
        File.Replace(tmp, lib, null); // rename: a new inode, so a hard link to the NuGet cache is not written through
        return "marked " + MissingVersion + " weak and added " + ShimFileName + " (host libstdc++: " + (host ?? "not found") + ")";
    }

    public static bool HostProvides(string libStdCxx, string version)
    {
        byte[] bytes = File.ReadAllBytes(libStdCxx);
        byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
        for (int i = 0; i + needle.Length <= bytes.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && bytes[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }

    public static string FindHostLibStdCxx()
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        };
        return candidates.FirstOrDefault(File.Exists);
    }

    public static IReadOnlyList<string> ReadNeeded(string lib) =>
        Run("patchelf", "--print-needed \"" + lib + "\"").Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()).ToList();

    static void CompileShim(string source, string output)
    {
        string tmp = output + ".building";
        Run("gcc", "-shared -fPIC -O2 -o \"" + tmp + "\" \"" + source + "\"");
        if (File.Exists(output)) File.Delete(output);
        File.Move(tmp, output);
    }

    static string Run(string tool, string arguments)
    {
        var psi = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException(tool + " not found: it is needed to load TorchSharp on this host (" +
                MissingVersion + " missing); run `make deps` or `apt-get install -y gcc patchelf`");
        }
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException(tool + " " + arguments + " failed: " + stderr.Trim());
        return stdout;
    }
}

/// <summary>Reads and edits the GNU version-needs section (SHT_GNU_verneed) of a little-endian ELF64 file.</summary>
public static class ElfVersionNeeds
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    public const ushort VerFlagWeak = 0x2;

    public sealed class Need
    {
        public string File = "";
        public string Name = "";
        public ushort Flags;
        public int FlagsOffset;
        public bool IsWeak => (Flags & VerFlagWeak) != 0;
    }

    public static List<Need> Read(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("only little-endian ELF64 is supported");
        long shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        var result = new List<Need>();
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed) continue;
            long offset = (long)BitConverter.ToUInt64(elf, (int)sh + 24);
            int link = (int)BitConverter.ToUInt32(elf, (int)sh + 40);
            int count = (int)BitConverter.ToUInt32(elf, (int)sh + 44);
            long strtab = (long)BitConverter.ToUInt64(elf, (int)(shoff + (long)link * shentsize) + 24);
            long vn = offset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)vn + 2);
                string file = ReadString(elf, strtab + BitConverter.ToUInt32(elf, (int)vn + 4));
                long aux = vn + BitConverter.ToUInt32(elf, (int)vn + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    result.Add(new Need
                    {
                        File = file,
                        Name = ReadString(elf, strtab + BitConverter.ToUInt32(elf, (int)aux + 8)),
                        Flags = BitConverter.ToUInt16(elf, (int)aux + 4),
                        FlagsOffset = (int)aux + 4,
                    });
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                vn += BitConverter.ToUInt32(elf, (int)vn + 12);
            }
        }
        return result;
    }

    /// <summary>Sets VER_FLG_WEAK on every need of this version; returns how many entries changed.</summary>
    public static int MarkWeak(byte[] elf, string version)
    {
        int changed = 0;
        foreach (var need in Read(elf).Where(n => n.Name == version && !n.IsWeak))
        {
            ushort flags = (ushort)(need.Flags | VerFlagWeak);
            elf[need.FlagsOffset] = (byte)(flags & 0xff);
            elf[need.FlagsOffset + 1] = (byte)(flags >> 8);
            changed++;
        }
        return changed;
    }

    static string ReadString(byte[] elf, long at)
    {
        int end = Array.IndexOf(elf, (byte)0, (int)at);
        return Encoding.ASCII.GetString(elf, (int)at, end - (int)at);
    }
}
