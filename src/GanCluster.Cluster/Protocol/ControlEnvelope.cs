using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using GanCluster.Collective;

namespace GanCluster.Cluster.Protocol;

/// <summary>
/// Seals and opens control messages on the wire: an HMAC-SHA256 under a key derived from the run token
/// (<see cref="RunToken.DeriveKey"/>, purpose "control-plane") over a header, the message type and its JSON, so only
/// a holder of the token can produce a message a node will act on, and a timestamp plus a random nonce so a captured
/// message cannot be played again to the same process. The MAC is compared in constant time. No Akka types: the
/// serializer calls it, tests drive it directly.
/// <code>
/// 0 "GCCM" | 4 u8 version | 5..7 0 | 8 i64 unix time (ms) | 16 nonce[16] | 32 HMAC[32] | 64 JSON payload
/// HMAC = HMAC-SHA256(key, bytes 0..31 | u16 manifest length | manifest (UTF-8) | payload)
/// </code>
/// </summary>
public sealed class ControlEnvelope
{
    public const int HeaderSize = 64;
    const byte Version = 1;
    const int MacOffset = 32, MacSize = 32;
    static ReadOnlySpan<byte> Magic => "GCCM"u8;

    /// <summary>How far a message's timestamp may lie from this node's clock (pauses, queues, clock skew between hosts).</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(5);

    readonly byte[] _key;
    readonly TimeSpan _window;
    readonly Func<DateTimeOffset> _clock;
    readonly Lock _lock = new();
    readonly Dictionary<UInt128, long> _seen = []; // nonce -> unix ms after which its timestamp is outside the window
    readonly Queue<(long Expiry, UInt128 Nonce)> _expiries = new();

    public ControlEnvelope(RunToken token, TimeSpan? window = null, Func<DateTimeOffset>? clock = null)
    {
        ArgumentNullException.ThrowIfNull(token);
        _key = token.DeriveKey("control-plane");
        _window = window ?? DefaultWindow;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
    }

    /// <summary>Nonces remembered for replay detection (each for one window).</summary>
    public int RememberedNonces
    {
        get { lock (_lock) return _seen.Count; }
    }

    public byte[] Seal(string manifest, ReadOnlySpan<byte> payload)
    {
        var sealedBytes = new byte[HeaderSize + payload.Length];
        var b = sealedBytes.AsSpan();
        Magic.CopyTo(b);
        b[4] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(b[8..], _clock().ToUnixTimeMilliseconds());
        RandomNumberGenerator.Fill(b.Slice(16, 16));
        payload.CopyTo(b[HeaderSize..]);
        ComputeMac(b[..MacOffset], manifest, payload, b.Slice(MacOffset, MacSize));
        return sealedBytes;
    }

    /// <summary>
    /// Checks a sealed message: magic and version, MAC (constant time), timestamp within the window, nonce never seen.
    /// Returns null and the JSON payload when it may be acted on, else the <see cref="ControlRefusal"/> reason.
    /// </summary>
    public string? Open(string manifest, byte[] sealedBytes, out ReadOnlyMemory<byte> payload)
    {
        payload = default;
        if (sealedBytes.Length < HeaderSize || !sealedBytes.AsSpan(0, 4).SequenceEqual(Magic) || sealedBytes[4] != Version)
            return ControlRefusal.Malformed;
        Span<byte> expected = stackalloc byte[MacSize];
        ComputeMac(sealedBytes.AsSpan(0, MacOffset), manifest, sealedBytes.AsSpan(HeaderSize), expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, sealedBytes.AsSpan(MacOffset, MacSize))) return ControlRefusal.BadMac;

        long sent = BinaryPrimitives.ReadInt64LittleEndian(sealedBytes.AsSpan(8));
        long now = _clock().ToUnixTimeMilliseconds();
        long window = (long)_window.TotalMilliseconds;
        if (sent < now - window || sent > now + window) return ControlRefusal.Expired;
        var nonce = BinaryPrimitives.ReadUInt128LittleEndian(sealedBytes.AsSpan(16));
        lock (_lock)
        {
            Forget(now);
            if (!_seen.TryAdd(nonce, sent + window)) return ControlRefusal.Replayed;
            _expiries.Enqueue((sent + window, nonce));
        }
        payload = sealedBytes.AsMemory(HeaderSize);
        return null;
    }

    /// <summary>Drops nonces whose messages would now be refused as expired anyway (bounded memory).</summary>
    void Forget(long now)
    {
        // Expiries are enqueued in arrival order, not timestamp order; a late one at the head only delays the others.
        while (_expiries.TryPeek(out var head) && head.Expiry < now)
        {
            _expiries.Dequeue();
            if (_seen.TryGetValue(head.Nonce, out long expiry) && expiry == head.Expiry) _seen.Remove(head.Nonce);
        }
    }

    void ComputeMac(ReadOnlySpan<byte> header, string manifest, ReadOnlySpan<byte> payload, Span<byte> mac)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        hmac.AppendData(header);
        var name = Encoding.UTF8.GetBytes(manifest);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)Math.Min(name.Length, ushort.MaxValue));
        hmac.AppendData(length);
        hmac.AppendData(name);
        hmac.AppendData(payload);
        hmac.GetHashAndReset(mac);
    }
}
