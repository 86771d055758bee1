using Tunnel.Core.Tests.Support;
using Tunnel.Dns;

namespace Tunnel.SplitTunnel.Tests.Dns;

/// <summary>The forwarder parses every answer before releasing it to the application: none of it may allocate.</summary>
public sealed class DnsAllocationTests
{
    [Fact]
    public void ParsingAFiveRecordAnswer_AndResolvingItsChain_AllocatesNothing()
    {
        byte[] response = DnsMessageBuilder.Response("www.Example.com")
            .Cname("www.example.com", "www.example.com.cdn.example.net", ttl: 3600)
            .Cname("www.example.com.cdn.example.net", "edge-7.cdn.example.net", ttl: 60)
            .A("edge-7.cdn.example.net", "192.0.2.7", ttl: 20)
            .A("edge-7.cdn.example.net", "192.0.2.8", ttl: 20)
            .Https("edge-7.cdn.example.net", 1, ".", 300, DnsMessageBuilder.Alpn("h3", "h2"), DnsMessageBuilder.Hint("192.0.2.9"), DnsMessageBuilder.Hint("2001:db8::9"))
            .Opt()
            .Build();
        byte[] query = DnsMessageBuilder.Query("use-application-dns.net").Opt().Build();
        byte[] text = new byte[DnsName.MaxLength], address = new byte[16], reply = new byte[512], prefix = new byte[2];
        long checksum = 0;

        long allocated = Allocations.Fewest(() =>
        {
            if (!DnsMessage.TryParse(response, out DnsMessage message, out _) || !message.TryGetQuestion(out DnsQuestion question))
            {
                throw new InvalidOperationException("the answer did not parse");
            }

            checksum += question.Name.CopyTo(text);
            foreach (DnsRecord record in message.Answers)
            {
                checksum += record.Name.CopyTo(text) + record.CnameTarget.Length + record.TimeToLive;
                if (record.TryGetAddress(address, out int written))
                {
                    checksum += written;
                }

                foreach (ReadOnlySpan<byte> hint in record.SvcAddressHints)
                {
                    checksum += hint.Length;
                }
            }

            DnsAnswerChain chain = DnsAnswerChain.Resolve(message);
            for (int i = 0; i < chain.Count; i++)
            {
                checksum += chain[i].CopyTo(text) + (chain[i].EqualsDotted("www.example.com"u8) ? 1 : 0);
            }

            foreach (DnsChainAddress learned in chain.Addresses)
            {
                checksum += learned.Address.Length + learned.TimeToLive + learned.ChainIndex;
            }

            DnsMessageWriter.TryWriteErrorResponse(query, DnsResponseCode.NameError, reply, out int replyLength);
            DnsTcpFraming.WriteLength(prefix, replyLength);
        });

        Assert.Equal(0, allocated);
        Assert.NotEqual(0, checksum);
    }
}
