using System.Security.Cryptography;

namespace GanCluster.Collective;

/// <summary>
/// The per-run shared secret every data-plane connection presents in its handshake (32 bytes). Compared in
/// constant time. <see cref="ToString"/> is redacted so the secret does not end up in logs; use <see cref="ToHex"/>
/// to hand it to a child process.
/// </summary>
public sealed class RunToken : IEquatable<RunToken>
{
    public const int Size = 32;

    readonly byte[] _bytes;

    RunToken(byte[] bytes) => _bytes = bytes;

    /// <summary>A fresh random token (the coordinator creates one per run).</summary>
    public static RunToken New() => new(RandomNumberGenerator.GetBytes(Size));

    /// <summary>A token derived from a configured secret string (SHA-256 of its UTF-8 bytes).</summary>
    public static RunToken FromSecret(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        return new(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)));
    }

    /// <summary>Parses the 64 hex digits written by <see cref="ToHex"/>.</summary>
    public static RunToken Parse(string hex)
    {
        var bytes = Convert.FromHexString(hex.Trim());
        if (bytes.Length != Size) throw new FormatException($"a run token is {Size * 2} hex digits, got {hex.Trim().Length}");
        return new(bytes);
    }

    public static RunToken FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size) throw new ArgumentException($"a run token is {Size} bytes, got {bytes.Length}", nameof(bytes));
        return new(bytes.ToArray());
    }

    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>
    /// A 32-byte key for one purpose (HKDF-SHA256 of the token with <paramref name="purpose"/> as info): the control
    /// plane's MAC key, the data plane's handshake key and the run id differ, so one never reveals another.
    /// </summary>
    public byte[] DeriveKey(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _bytes, Size, info: System.Text.Encoding.UTF8.GetBytes("gancluster/" + purpose));

    public string ToHex() => Convert.ToHexStringLower(_bytes);

    /// <summary>Constant-time comparison with raw bytes received from a peer.</summary>
    public bool Matches(ReadOnlySpan<byte> presented) =>
        presented.Length == Size && CryptographicOperations.FixedTimeEquals(_bytes, presented);

    public bool Equals(RunToken? other) => other is not null && Matches(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as RunToken);

    public override int GetHashCode() => BitConverter.ToInt32(_bytes, 0);

    public override string ToString() => "RunToken(redacted)";
}
