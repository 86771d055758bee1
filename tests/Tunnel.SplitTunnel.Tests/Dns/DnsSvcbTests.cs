using Tunnel.Dns;
using static Tunnel.SplitTunnel.Tests.Dns.DnsTestHelpers;

namespace Tunnel.SplitTunnel.Tests.Dns;

public sealed class DnsSvcbTests
{
    [Fact]
    public void ServiceMode_GivesItsIpv4ThenIpv6Hints()
    {
        var message = Parse(DnsMessageBuilder.Response("example.com", DnsRecordType.HTTPS)
            .Https("example.com", 1, ".", 300,
                DnsMessageBuilder.Alpn("h3", "h2"),
                DnsMessageBuilder.Hint("192.0.2.1", "192.0.2.2"),
                (5, [1, 2, 3]),
                DnsMessageBuilder.Hint("2001:db8::1"))
            .Build());

        var answers = message.Answers;
        Assert.True(answers.MoveNext());
        DnsRecord record = answers.Current;
        Assert.Equal(DnsRecordType.HTTPS, record.Type);
        Assert.Equal(1, record.SvcPriority);
        Assert.True(record.SvcTargetName.IsRoot);
        Assert.Equal(["192.0.2.1", "192.0.2.2", "2001:db8::1"], Hints(record));
    }

    [Fact]
    public void Svcb_WithATarget_AndNoHints()
    {
        var message = Parse(DnsMessageBuilder.Response("_dns.resolver.arpa", DnsRecordType.SVCB)
            .Svcb("_dns.resolver.arpa", 2, "dns.example.net", 60, DnsRecordType.SVCB, DnsMessageBuilder.Alpn("dot"), (3, [0, 53]))
            .Build());
        var answers = message.Answers;
        Assert.True(answers.MoveNext());
        Assert.Equal(DnsRecordType.SVCB, answers.Current.Type);
        Assert.Equal("dns.example.net", Text(answers.Current.SvcTargetName));
        Assert.Empty(Hints(answers.Current));
    }

    [Fact]
    public void AliasMode_IgnoresItsParameters()
    {
        var message = Parse(DnsMessageBuilder.Response("example.com", DnsRecordType.HTTPS)
            .Https("example.com", 0, "pool.example.net", 300, DnsMessageBuilder.Hint("192.0.2.1"))
            .Build());
        var answers = message.Answers;
        Assert.True(answers.MoveNext());
        Assert.Equal(0, answers.Current.SvcPriority);
        Assert.Equal("pool.example.net", Text(answers.Current.SvcTargetName));
        Assert.Empty(Hints(answers.Current));
    }

    [Fact]
    public void MalformedParameters_AreRejected()
    {
        // Keys descending, repeated; hints of the wrong size or empty.
        Assert.Equal(DnsParseError.BadSvcbData, Error(Https(DnsMessageBuilder.Hint("2001:db8::1"), DnsMessageBuilder.Hint("192.0.2.1"))));
        Assert.Equal(DnsParseError.BadSvcbData, Error(Https(DnsMessageBuilder.Hint("192.0.2.1"), DnsMessageBuilder.Hint("192.0.2.2"))));
        Assert.Equal(DnsParseError.BadSvcbData, Error(Https((4, [192, 0, 2, 1, 5]))));
        Assert.Equal(DnsParseError.BadSvcbData, Error(Https((4, []))));
        Assert.Equal(DnsParseError.BadSvcbData, Error(Https((6, new byte[15]))));
        Assert.Equal(DnsParseError.BadSvcbData, Error(Https((6, new byte[32 + 1]))));
        Assert.Equal(DnsParseError.BadSvcbData, Error(Https((6, []))));
        Assert.True(DnsMessage.TryParse(Https((6, new byte[32])), out _));

        static byte[] Https(params (ushort, byte[])[] parameters) =>
            DnsMessageBuilder.Response("example.com", DnsRecordType.HTTPS).Https("example.com", 1, ".", 60, parameters).Build();
    }

    [Fact]
    public void MalformedData_IsRejected()
    {
        // A value longer than the data, a key without its length, a compressed or cut target, no target at all.
        Assert.Equal(DnsParseError.BadSvcbData, Error(WithData([0, 1, 0, 0, 4, 0, 8, 192, 0, 2, 1])));
        Assert.Equal(DnsParseError.BadSvcbData, Error(WithData([0, 1, 0, 0, 1, 0])));
        Assert.Equal(DnsParseError.BadSvcbData, Error(WithData([0, 1, 0xC0, 12])));
        Assert.Equal(DnsParseError.BadSvcbData, Error(WithData([0, 1, 3, (byte)'a', (byte)'b'])));
        Assert.Equal(DnsParseError.BadSvcbData, Error(WithData([0, 1])));
        Assert.Equal(DnsParseError.BadSvcbData, Error(WithData([])));
        Assert.Equal(DnsParseError.ReservedLabelType, Error(WithData([0, 1, 0x80, 0])));
        Assert.True(DnsMessage.TryParse(WithData([0, 1, 0]), out _));

        static byte[] WithData(byte[] data) =>
            DnsMessageBuilder.Response("example.com", DnsRecordType.HTTPS).Record(DnsSection.Answer, "example.com", DnsRecordType.HTTPS, 60, data).Build();
    }

    private static List<string> Hints(DnsRecord record)
    {
        var hints = new List<string>();
        foreach (ReadOnlySpan<byte> address in record.SvcAddressHints)
        {
            hints.Add(Address(address));
        }

        return hints;
    }
}
