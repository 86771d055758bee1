using Tunnel.Dns;
using static Tunnel.SplitTunnel.Tests.Dns.DnsTestHelpers;

namespace Tunnel.SplitTunnel.Tests.Dns;

public sealed class DnsMessageWriterTests
{
    [Fact]
    public void NameError_ForTheDohCanary_RoundTrips_WithAMinimalOpt()
    {
        var builder = DnsMessageBuilder.Query("use-application-dns.net").Opt(payloadSize: 4096, dnssecOk: true);
        builder.Id = 0xA1B2;
        byte[] query = builder.Build();

        var response = new byte[512];
        Assert.True(DnsMessageWriter.TryWriteErrorResponse(query, DnsResponseCode.NameError, response, out int written));
        var message = Parse(response[..written]);

        Assert.Equal(0xA1B2, message.Id);
        Assert.True(message.IsResponse);
        Assert.True(message.RecursionDesired);
        Assert.True(message.RecursionAvailable);
        Assert.False(message.IsAuthoritative);
        Assert.False(message.IsTruncated);
        Assert.Equal(0, message.Opcode);
        Assert.Equal(DnsResponseCode.NameError, message.ResponseCode);
        Assert.Equal((1, 0, 0, 1), (message.QuestionCount, message.AnswerCount, message.AuthorityCount, message.AdditionalCount));
        Assert.True(message.TryGetQuestion(out var question));
        Assert.True(question.Name.EqualsDotted("use-application-dns.net"u8));
        Assert.Equal(DnsRecordType.A, question.Type);
        Assert.Equal(1, question.Class);
        Assert.True(message.HasEdns);
        Assert.Equal(DnsMessageWriter.ErrorResponsePayloadSize, message.EdnsUdpPayloadSize);
        Assert.Equal(0, message.EdnsVersion);
        Assert.True(message.EdnsDnssecOk);
        Assert.Equal(12 + 25 + 4 + 11, written);
    }

    [Fact]
    public void ServerFailure_WithoutEdns_EchoesOpcodeAndRecursionDesired()
    {
        var builder = DnsMessageBuilder.Query("Example.COM", DnsRecordType.AAAA);
        builder.RecursionDesired = false;
        builder.Opcode = 2;
        byte[] query = builder.Build();

        var response = new byte[query.Length];
        Assert.True(DnsMessageWriter.TryWriteErrorResponse(query, DnsResponseCode.ServerFailure, response, out int written));
        Assert.Equal(query.Length, written);
        var message = Parse(response);
        Assert.False(message.RecursionDesired);
        Assert.Equal(2, message.Opcode);
        Assert.Equal(DnsResponseCode.ServerFailure, message.ResponseCode);
        Assert.False(message.HasEdns);
        Assert.Equal(0, message.AdditionalCount);

        // The question is copied byte for byte, case included.
        Assert.Equal(query[12..], response[12..]);
    }

    [Fact]
    public void TheQueryBuffer_CanHoldTheResponse()
    {
        byte[] query = DnsMessageBuilder.Query("www.example.com").Opt().A("x.example", "192.0.2.1", section: DnsSection.Additional).Build();
        byte[] expected = new byte[512];
        Assert.True(DnsMessageWriter.TryWriteErrorResponse(query, DnsResponseCode.Refused, expected, out int expectedLength));

        Assert.True(DnsMessageWriter.TryWriteErrorResponse(query, DnsResponseCode.Refused, query, out int written));
        Assert.Equal(expected[..expectedLength], query[..written]);
        Assert.Equal(DnsResponseCode.Refused, Parse(query[..written]).ResponseCode);
    }

    [Fact]
    public void AQueryWithoutQuestion_GetsAHeaderOnlyResponse()
    {
        var response = new byte[12];
        Assert.True(DnsMessageWriter.TryWriteErrorResponse(Header(flags: 0x0100), DnsResponseCode.FormatError, response, out int written));
        Assert.Equal(12, written);
        var message = Parse(response);
        Assert.False(message.TryGetQuestion(out _));
        Assert.Equal(DnsResponseCode.FormatError, message.ResponseCode);
    }

    [Fact]
    public void Responses_MalformedQueries_WideCodes_AndSmallBuffers_AreRefused()
    {
        byte[] query = DnsMessageBuilder.Query("example.com").Build();
        var response = new byte[512];
        Assert.False(DnsMessageWriter.TryWriteErrorResponse(DnsMessageBuilder.Response("example.com").Build(), DnsResponseCode.ServerFailure, response, out int written));
        Assert.Equal(0, written);
        Assert.False(DnsMessageWriter.TryWriteErrorResponse(query.AsSpan(..^1), DnsResponseCode.ServerFailure, response, out _));
        Assert.False(DnsMessageWriter.TryWriteErrorResponse(query, (DnsResponseCode)16, response, out _));
        Assert.False(DnsMessageWriter.TryWriteErrorResponse(query, DnsResponseCode.ServerFailure, response.AsSpan(0, query.Length - 1), out _));
        Assert.True(DnsMessageWriter.TryWriteErrorResponse(query, (DnsResponseCode)15, response, out _));
    }
}
