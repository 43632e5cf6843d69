using GanCluster.Cluster.Hosting;

namespace GanCluster.Cluster.Tests.Hosting;

public class SeedAddressTests
{
    [Theory]
    [InlineData("10.0.0.5:4053", "akka.tcp://gancluster@10.0.0.5:4053")]
    [InlineData(" coord.run.svc:4053 ", "akka.tcp://gancluster@coord.run.svc:4053")]
    [InlineData("[::1]:4053", "akka.tcp://gancluster@[::1]:4053")]
    [InlineData("akka.tcp://gancluster@127.0.0.1:4053", "akka.tcp://gancluster@127.0.0.1:4053")]
    [InlineData("akka.ssl.tcp://gancluster@127.0.0.1:4053", "akka.ssl.tcp://gancluster@127.0.0.1:4053")]
    public void Host_port_and_akka_uris_are_seed_addresses(string text, string akka) => Assert.Equal(akka, SeedAddress.ToAkka(text));

    [Theory]
    [InlineData("127.0.0.1")] // no port
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("host:port")]
    [InlineData("::1:4053")] // IPv6 without brackets is ambiguous
    [InlineData("akka.tcp://other@127.0.0.1:4053")] // another actor system
    [InlineData("akka.tcp://gancluster@127.0.0.1")]
    [InlineData("http://127.0.0.1:4053")]
    public void Anything_else_is_refused(string text) => Assert.Null(SeedAddress.ToAkka(text));
}
