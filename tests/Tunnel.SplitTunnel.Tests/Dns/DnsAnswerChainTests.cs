using Tunnel.Dns;
using static Tunnel.SplitTunnel.Tests.Dns.DnsTestHelpers;

namespace Tunnel.SplitTunnel.Tests.Dns;

public sealed class DnsAnswerChainTests
{
    [Fact]
    public void ACnameChain_CreditsTheLastNamesAddresses_ToTheQuestion_WithTheSmallestTtl()
    {
        var message = Parse(DnsMessageBuilder.Response("a.example.com")
            .Cname("a.example.com", "b.example.net", ttl: 600)
            .Cname("b.example.net", "c.example.org", ttl: 120)
            .A("c.example.org", "192.0.2.10", ttl: 300)
            .A("c.example.org", "192.0.2.11", ttl: 30)
            .Aaaa("c.example.org", "2001:db8::10", ttl: 3600)
            .Build());

        var chain = DnsAnswerChain.Resolve(message);
        Assert.Equal(3, chain.Count);
        Assert.False(chain.HasLoop);
        Assert.False(chain.IsIncomplete);
        Assert.Equal(["a.example.com", "b.example.net", "c.example.org"], Names(chain));
        Assert.Equal([uint.MaxValue, 600u, 120u], new[] { chain.GetPathTimeToLive(0), chain.GetPathTimeToLive(1), chain.GetPathTimeToLive(2) });

        Assert.Equal(
            [("192.0.2.10", 120u, 2, DnsRecordType.A), ("192.0.2.11", 30u, 2, DnsRecordType.A), ("2001:db8::10", 120u, 2, DnsRecordType.AAAA)],
            Addresses(chain));
    }

    [Fact]
    public void RecordsForNamesOutsideTheChain_AreIgnored()
    {
        var builder = DnsMessageBuilder.Response("www.example.com")
            .Cname("www.example.com", "cdn.example.net")
            .A("bank.example", "203.0.113.66")
            .A("cdn.example.net", "192.0.2.1")
            .Https("other.example", 1, ".", 300, DnsMessageBuilder.Hint("203.0.113.67"))
            .A("www.example.com", "203.0.113.68", section: DnsSection.Additional)
            .A("cdn.example.net", "203.0.113.69", section: DnsSection.Authority);
        builder.Record(DnsSection.Answer, "cdn.example.net", DnsRecordType.A, 60, [203, 0, 113, 70], @class: 3);
        var chain = DnsAnswerChain.Resolve(Parse(builder.Build()));

        Assert.Equal(2, chain.Count);
        Assert.Equal([("192.0.2.1", 300u, 1, DnsRecordType.A)], Addresses(chain));
        Assert.Equal(-1, chain.IndexOf(default));
    }

    [Fact]
    public void ACnameLoop_Ends()
    {
        var chain = DnsAnswerChain.Resolve(Parse(DnsMessageBuilder.Response("a.example")
            .Cname("a.example", "b.example")
            .Cname("b.example", "A.EXAMPLE")
            .A("b.example", "192.0.2.1")
            .Build()));

        Assert.True(chain.HasLoop);
        Assert.False(chain.IsIncomplete);
        Assert.Equal(["a.example", "b.example"], Names(chain));
        Assert.Equal([("192.0.2.1", 300u, 1, DnsRecordType.A)], Addresses(chain));

        var self = DnsAnswerChain.Resolve(Parse(DnsMessageBuilder.Response("a.example").Cname("a.example", "a.example").Build()));
        Assert.True(self.HasLoop);
        Assert.Equal(1, self.Count);
    }

    [Fact]
    public void AChainLongerThanItsCapacity_IsCut_AndFlagged()
    {
        var builder = DnsMessageBuilder.Response("n0.example");
        for (int i = 0; i < 10; i++)
        {
            builder.Cname($"n{i}.example", $"n{i + 1}.example", ttl: (uint)(1000 - i));
        }

        builder.A("n7.example", "192.0.2.7").A("n8.example", "192.0.2.8").A("n10.example", "192.0.2.10");
        var chain = DnsAnswerChain.Resolve(Parse(builder.Build()));

        Assert.Equal(DnsAnswerChain.Capacity, chain.Count);
        Assert.True(chain.IsIncomplete);
        Assert.False(chain.HasLoop);
        Assert.Equal("n7.example", Text(chain[7]));
        Assert.Equal([("192.0.2.7", 300u, 7, DnsRecordType.A)], Addresses(chain));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = DnsAnswerChain.Resolve(Parse(builder.Build()))[8]; });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = DnsAnswerChain.Resolve(Parse(builder.Build())).GetPathTimeToLive(-1); });
    }

    [Fact]
    public void OnlyTheFirst64CnameRecords_AreExamined()
    {
        var builder = DnsMessageBuilder.Response("a.example").Cname("a.example", "b.example");
        for (int i = 0; i < 63; i++)
        {
            builder.Cname($"junk{i}.example", "a.example");
        }

        var chain = DnsAnswerChain.Resolve(Parse(builder.Build()));
        Assert.Equal(2, chain.Count);
        Assert.False(chain.IsIncomplete);

        // The 65th CNAME is not read: the chain may go on, and says so.
        builder.Cname("b.example", "c.example").A("c.example", "192.0.2.1");
        chain = DnsAnswerChain.Resolve(Parse(builder.Build()));
        Assert.Equal(2, chain.Count);
        Assert.True(chain.IsIncomplete);
        Assert.Empty(Addresses(chain));
    }

    [Fact]
    public void ServiceBindingHints_OfChainNames_AreCredited()
    {
        var chain = DnsAnswerChain.Resolve(Parse(DnsMessageBuilder.Response("Example.com", DnsRecordType.HTTPS)
            .Cname("example.COM", "svc.example.net", ttl: 50)
            .Https("svc.example.net", 1, ".", 300, DnsMessageBuilder.Hint("192.0.2.1"), DnsMessageBuilder.Hint("2001:db8::1", "2001:db8::2"))
            .Svcb("svc.example.net", 0, "alias.example.net", 300, DnsRecordType.HTTPS, DnsMessageBuilder.Hint("203.0.113.1"))
            .Svcb("svc.example.net", 2, ".", 20, DnsRecordType.SVCB, DnsMessageBuilder.Hint("192.0.2.3"))
            .Build()));

        Assert.Equal(2, chain.Count);
        Assert.Equal(
            [
                ("192.0.2.1", 50u, 1, DnsRecordType.HTTPS),
                ("2001:db8::1", 50u, 1, DnsRecordType.HTTPS),
                ("2001:db8::2", 50u, 1, DnsRecordType.HTTPS),
                ("192.0.2.3", 20u, 1, DnsRecordType.SVCB),
            ],
            Addresses(chain));
    }

    [Fact]
    public void AddressesOfTheQuestionsName_HaveTheirOwnTtl()
    {
        var chain = DnsAnswerChain.Resolve(Parse(DnsMessageBuilder.Response("example.com").A("example.com", "192.0.2.1", ttl: 42).Build()));
        Assert.Equal([("192.0.2.1", 42u, 0, DnsRecordType.A)], Addresses(chain));
        Assert.Equal(0, chain.IndexOf(chain[0]));
    }

    [Fact]
    public void AMessageWithoutQuestion_HasAnEmptyChain()
    {
        var builder = new DnsMessageBuilder().A("example.com", "192.0.2.1");
        var chain = DnsAnswerChain.Resolve(Parse(builder.Build()));
        Assert.Equal(0, chain.Count);
        Assert.Empty(Addresses(chain));
    }

    private static List<string> Names(DnsAnswerChain chain)
    {
        var names = new List<string>();
        for (int i = 0; i < chain.Count; i++)
        {
            names.Add(Text(chain[i]));
        }

        return names;
    }

    private static List<(string, uint, int, DnsRecordType)> Addresses(DnsAnswerChain chain)
    {
        var addresses = new List<(string, uint, int, DnsRecordType)>();
        foreach (DnsChainAddress address in chain.Addresses)
        {
            addresses.Add((Address(address.Address), address.TimeToLive, address.ChainIndex, address.Source));
        }

        return addresses;
    }
}
