using GanCluster.Cluster.Protocol;
using GanCluster.Collective;

namespace GanCluster.Cluster.Tests.Protocol;

/// <summary>The MAC, freshness and replay checks of sealed control messages (docs/security.md).</summary>
public class ControlEnvelopeTests
{
    readonly RunToken _token = RunToken.New();
    DateTimeOffset _now = DateTimeOffset.UnixEpoch.AddYears(56);

    ControlEnvelope Envelope(RunToken? token = null) => new(token ?? _token, TimeSpan.FromMinutes(5), () => _now);

    static readonly byte[] Json = """{"version":1,"reason":"done","failed":false}"""u8.ToArray();

    [Fact]
    public void A_sealed_message_opens_once_with_the_same_token()
    {
        var sender = Envelope();
        var receiver = Envelope();
        byte[] sealedBytes = sender.Seal("StopTraining", Json);
        Assert.Null(receiver.Open("StopTraining", sealedBytes, out var payload));
        Assert.Equal(Json, payload.ToArray());
        Assert.Equal(ControlRefusal.Replayed, receiver.Open("StopTraining", sealedBytes, out _)); // the same bytes again
        Assert.Equal(-1, sealedBytes.AsSpan().IndexOf(_token.Bytes[..8])); // the token itself never travels
    }

    [Fact]
    public void Another_token_an_altered_byte_or_another_type_name_fails_the_mac()
    {
        byte[] sealedBytes = Envelope().Seal("StopTraining", Json);
        Assert.Equal(ControlRefusal.BadMac, Envelope(RunToken.New()).Open("StopTraining", sealedBytes, out _));
        Assert.Equal(ControlRefusal.BadMac, Envelope().Open("AbortWorld", sealedBytes, out _)); // the type is covered too
        for (int i = 8; i < sealedBytes.Length; i += 7)
        {
            var altered = (byte[])sealedBytes.Clone();
            altered[i] ^= 1;
            Assert.Equal(ControlRefusal.BadMac, Envelope().Open("StopTraining", altered, out _));
        }
    }

    [Fact]
    public void A_message_sealed_outside_the_window_is_refused_as_expired()
    {
        var sender = Envelope();
        byte[] old = sender.Seal("StopTraining", Json);
        _now += TimeSpan.FromMinutes(6);
        Assert.Equal(ControlRefusal.Expired, Envelope().Open("StopTraining", old, out _));
        byte[] future = sender.Seal("StopTraining", Json);
        _now -= TimeSpan.FromMinutes(12);
        Assert.Equal(ControlRefusal.Expired, Envelope().Open("StopTraining", future, out _));
    }

    [Fact]
    public void Remembered_nonces_are_forgotten_once_their_window_has_passed()
    {
        var receiver = Envelope();
        var sender = Envelope();
        for (int i = 0; i < 100; i++) Assert.Null(receiver.Open("StopTraining", sender.Seal("StopTraining", Json), out _));
        Assert.Equal(100, receiver.RememberedNonces);
        _now += TimeSpan.FromMinutes(11);
        Assert.Null(receiver.Open("StopTraining", sender.Seal("StopTraining", Json), out _));
        Assert.Equal(1, receiver.RememberedNonces);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(63)]
    public void Short_or_foreign_bytes_are_malformed(int length)
    {
        Assert.Equal(ControlRefusal.Malformed, Envelope().Open("StopTraining", new byte[length], out _));
        Assert.Equal(ControlRefusal.Malformed, Envelope().Open("StopTraining", [.. "{}"u8, .. new byte[80]], out _));
    }
}
