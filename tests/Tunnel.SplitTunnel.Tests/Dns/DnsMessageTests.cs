using Tunnel.Dns;
using static Tunnel.SplitTunnel.Tests.Dns.DnsTestHelpers;

namespace Tunnel.SplitTunnel.Tests.Dns;

public sealed class DnsMessageTests
{
    [Fact]
    public void Query_WithEdns_ExposesHeaderQuestionAndOpt()
    {
        var builder = DnsMessageBuilder.Query("www.Example.com", DnsRecordType.AAAA).Opt(payloadSize: 4096, version: 0, dnssecOk: true);
        builder.Id = 0xBEEF;
        var message = Parse(builder.Build());

        Assert.Equal(0xBEEF, message.Id);
        Assert.False(message.IsResponse);
        Assert.Equal(0, message.Opcode);
        Assert.True(message.RecursionDesired);
        Assert.False(message.RecursionAvailable);
        Assert.Equal((1, 0, 0, 1), (message.QuestionCount, message.AnswerCount, message.AuthorityCount, message.AdditionalCount));
        Assert.True(message.HasEdns);
        Assert.Equal(4096, message.EdnsUdpPayloadSize);
        Assert.Equal(0, message.EdnsVersion);
        Assert.True(message.EdnsDnssecOk);

        Assert.True(message.TryGetQuestion(out DnsQuestion question));
        Assert.Equal("www.example.com", Text(question.Name));
        Assert.Equal(DnsRecordType.AAAA, question.Type);
        Assert.Equal(1, question.Class);

        int additionals = 0;
        foreach (DnsRecord record in message.Additionals)
        {
            Assert.Equal(DnsRecordType.OPT, record.Type);
            Assert.True(record.Name.IsRoot);
            additionals++;
        }

        Assert.Equal(1, additionals);
    }

    [Fact]
    public void EdnsVersion_AndItsAbsence()
    {
        var message = Parse(DnsMessageBuilder.Query("example.com").Opt(payloadSize: 512, version: 1).Build());
        Assert.Equal(1, message.EdnsVersion);
        Assert.Equal(512, message.EdnsUdpPayloadSize);
        Assert.False(message.EdnsDnssecOk);

        message = Parse(DnsMessageBuilder.Query("example.com").Build());
        Assert.False(message.HasEdns);
        Assert.Equal((0, 0, false), (message.EdnsUdpPayloadSize, message.EdnsVersion, message.EdnsDnssecOk));
    }

    [Fact]
    public void AAndAaaaAnswers_GiveTheirAddresses()
    {
        var message = Parse(DnsMessageBuilder.Response("example.com", DnsRecordType.A)
            .A("example.com", "93.184.215.14", ttl: 3600)
            .Aaaa("example.com", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", ttl: 60)
            .Build());

        Assert.True(message.IsResponse);
        Assert.Equal(DnsResponseCode.NoError, message.ResponseCode);
        var addresses = new List<(string, uint, DnsRecordType)>();
        Span<byte> buffer = stackalloc byte[16];
        foreach (DnsRecord record in message.Answers)
        {
            Assert.True(record.Name.EqualsDotted("example.com"u8));
            Assert.True(record.TryGetAddress(buffer, out int written));
            Assert.Equal(record.Data.Length, written);
            Assert.False(record.TryGetAddress(buffer[..(written - 1)], out int none));
            Assert.Equal(0, none);
            addresses.Add((Address(buffer[..written]), record.TimeToLive, record.Type));
        }

        Assert.Equal(
            [("93.184.215.14", 3600u, DnsRecordType.A), ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", 60u, DnsRecordType.AAAA)],
            addresses);
    }

    [Fact]
    public void NameError_WithSoaInAuthority_AndTheHeaderFlags()
    {
        var builder = DnsMessageBuilder.Response("nope.example.com").Soa("example.com", "ns1.example.com", "hostmaster.example.com");
        builder.ResponseCode = 3;
        builder.Authoritative = true;
        builder.Truncated = true;
        var message = Parse(builder.Build());

        Assert.Equal(DnsResponseCode.NameError, message.ResponseCode);
        Assert.True(message.IsAuthoritative);
        Assert.True(message.IsTruncated);
        int count = 0;
        foreach (DnsRecord record in message.Authorities)
        {
            Assert.Equal(DnsRecordType.SOA, record.Type);
            Assert.Equal("example.com", Text(record.Name));
            Assert.False(record.TryGetAddress(new byte[16], out _));
            Assert.True(record.CnameTarget.IsRoot);
            count++;
        }

        Assert.Equal(1, count);
        Assert.False(message.Answers.MoveNext());
    }

    [Fact]
    public void TimeToLive_WithTheTopBitSet_ReadsAsZero()
    {
        var message = Parse(DnsMessageBuilder.Response("a.example").A("a.example", "10.0.0.1", ttl: 0x8000_0000).A("a.example", "10.0.0.2", ttl: int.MaxValue).Build());
        var answers = message.Answers;
        Assert.True(answers.MoveNext());
        Assert.Equal(0u, answers.Current.TimeToLive);
        Assert.True(answers.MoveNext());
        Assert.Equal((uint)int.MaxValue, answers.Current.TimeToLive);
    }

    [Fact]
    public void TrailingBytes_AreIgnored_AndCounted()
    {
        byte[] bytes = DnsMessageBuilder.Response("example.com").A("example.com", "192.0.2.1").Build();
        var message = Parse([.. bytes, 0, 0, 0xC0]);
        Assert.Equal(3, message.TrailingByteCount);
        Assert.True(message.Bytes.SequenceEqual(bytes));
        Assert.Equal(0, Parse(bytes).TrailingByteCount);
    }

    [Fact]
    public void AMessageWithoutQuestion_Parses_AndHasNoQuestion()
    {
        var message = Parse(Header(flags: 0x8182));
        Assert.False(message.TryGetQuestion(out _));
        Assert.Equal(DnsResponseCode.ServerFailure, message.ResponseCode);
    }

    [Fact]
    public void AShortHeader_IsRejected()
    {
        byte[] header = Header();
        for (int length = 0; length < header.Length; length++)
        {
            Assert.Equal(DnsParseError.MessageTooShort, Error(header[..length]));
        }
    }

    [Fact]
    public void CountsLargerThanTheRecordsPresent_AreRejected()
    {
        var builder = DnsMessageBuilder.Response("example.com").A("example.com", "192.0.2.1");
        builder.AnswerCount = 2;
        Assert.Equal(DnsParseError.TruncatedSection, Error(builder.Build()));

        builder = DnsMessageBuilder.Response("example.com");
        builder.QuestionCount = 2;
        Assert.Equal(DnsParseError.TruncatedSection, Error(builder.Build()));

        builder = DnsMessageBuilder.Response("example.com");
        builder.AdditionalCount = 1;
        Assert.Equal(DnsParseError.TruncatedSection, Error(builder.Build()));
    }

    [Fact]
    public void TruncatedQuestionsAndRecords_AreRejected()
    {
        byte[] bytes = DnsMessageBuilder.Response("example.com").A("example.com", "192.0.2.1").Build();
        int answerStart = 12 + 13 + 4;

        // Every cut inside the question or the record's name and fixed fields, then inside its data.
        for (int length = 12; length < bytes.Length; length++)
        {
            var expected = length < answerStart + 2 + 10 ? DnsParseError.TruncatedSection : DnsParseError.RecordOutOfBounds;
            Assert.Equal(expected, Error(bytes[..length]));
        }
    }

    [Fact]
    public void RdLengthPastTheEnd_IsRejected()
    {
        byte[] bytes = DnsMessageBuilder.Response("example.com").Record(DnsSection.Answer, "example.com", DnsRecordType.TXT, 60, [3, (byte)'a', (byte)'b', (byte)'c']).Build();
        bytes[^5]++;
        Assert.Equal(DnsParseError.RecordOutOfBounds, Error(bytes));
        bytes[^5] = 0xFF;
        Assert.Equal(DnsParseError.RecordOutOfBounds, Error(bytes));
    }

    [Theory]
    [InlineData(DnsRecordType.A, 3)]
    [InlineData(DnsRecordType.A, 5)]
    [InlineData(DnsRecordType.A, 16)]
    [InlineData(DnsRecordType.AAAA, 4)]
    [InlineData(DnsRecordType.AAAA, 17)]
    [InlineData(DnsRecordType.AAAA, 0)]
    public void AddressesOfTheWrongLength_AreRejected(DnsRecordType type, int length)
    {
        byte[] bytes = DnsMessageBuilder.Response("example.com").Record(DnsSection.Authority, "example.com", type, 60, new byte[length]).Build();
        Assert.Equal(DnsParseError.BadAddressLength, Error(bytes));
    }

    [Fact]
    public void AnAddressRecordOfAnotherClass_IsOpaque()
    {
        // Chaos-class A data is a name and an address (RFC 1035 section 3.4.1 is for class IN only).
        var message = Parse(DnsMessageBuilder.Response("example.com").Record(DnsSection.Answer, "example.com", DnsRecordType.A, 60, [1, (byte)'x', 0, 1, 2], @class: 3).Build());
        var answers = message.Answers;
        Assert.True(answers.MoveNext());
        Assert.Equal(3, answers.Current.Class);
        Assert.Equal(5, answers.Current.Data.Length);
        Assert.False(answers.Current.TryGetAddress(new byte[16], out _));
    }

    [Fact]
    public void CnameData_MustBeExactlyOneName()
    {
        var ok = Parse(DnsMessageBuilder.Response("www.example.com").Cname("www.example.com", "cdn.example.net").Build());
        var answers = ok.Answers;
        Assert.True(answers.MoveNext());
        Assert.Equal("cdn.example.net", Text(answers.Current.CnameTarget));

        byte[] target = DnsMessageBuilder.WireName("cdn.example.net");
        Assert.Equal(DnsParseError.BadCnameData, Error(CnameWith([.. target, 0])));
        Assert.Equal(DnsParseError.BadCnameData, Error(CnameWith(target[..^1])));
        Assert.Equal(DnsParseError.BadCnameData, Error(CnameWith([])));
        Assert.Equal(DnsParseError.ReservedLabelType, Error(CnameWith([0x41, 0])));
        // The data starts at byte 45 (header 12, question 21, owner pointer 2, fixed fields 10): 46 is ahead of it.
        Assert.Equal(DnsParseError.ForwardPointer, Error(CnameWith([0xC0, 46])));
        Assert.Equal(DnsParseError.PointerOutOfRange, Error(CnameWith([0xC0, 0xFF])));

        static byte[] CnameWith(byte[] data) =>
            DnsMessageBuilder.Response("www.example.com").Record(DnsSection.Answer, "www.example.com", DnsRecordType.CNAME, 60, data).Build();
    }

    [Fact]
    public void OptRecord_OnlyOnce_InTheAdditionalSection_OwnedByTheRoot()
    {
        Assert.Equal(DnsParseError.BadOptRecord, Error(DnsMessageBuilder.Query("example.com").Opt(section: DnsSection.Answer).Build()));
        Assert.Equal(DnsParseError.BadOptRecord, Error(DnsMessageBuilder.Query("example.com").Opt(section: DnsSection.Authority).Build()));
        Assert.Equal(DnsParseError.BadOptRecord, Error(DnsMessageBuilder.Query("example.com").Opt().Opt().Build()));
        Assert.Equal(DnsParseError.BadOptRecord, Error(DnsMessageBuilder.Query("example.com").Opt(owner: "example.com").Build()));

        // Options (code, length, value) must fill the data exactly.
        Assert.True(Parse(DnsMessageBuilder.Query("example.com").Opt(options: [0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 12, 0, 0]).Build()).HasEdns);
        Assert.Equal(DnsParseError.BadOptRecord, Error(DnsMessageBuilder.Query("example.com").Opt(options: [0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8]).Build()));
        Assert.Equal(DnsParseError.BadOptRecord, Error(DnsMessageBuilder.Query("example.com").Opt(options: [0, 10, 0]).Build()));
    }

    [Fact]
    public void UnknownTypes_CarryOpaqueData()
    {
        var message = Parse(DnsMessageBuilder.Response("example.com", (DnsRecordType)99).Record(DnsSection.Answer, "example.com", (DnsRecordType)99, 5, [0xC0, 0xFF, 0x41]).Build());
        var answers = message.Answers;
        Assert.True(answers.MoveNext());
        Assert.Equal((DnsRecordType)99, answers.Current.Type);
        Assert.Equal([0xC0, 0xFF, 0x41], answers.Current.Data.ToArray());
        Assert.Equal(0, answers.Current.SvcPriority);
        Assert.False(answers.Current.SvcAddressHints.MoveNext());
    }

    [Fact]
    public void DefaultValues_ReadAsEmpty()
    {
        DnsMessage message = default;
        Assert.Equal((0, false, 0, 0), (message.Id, message.IsResponse, message.QuestionCount, message.AnswerCount));
        Assert.False(message.TryGetQuestion(out _));
        Assert.False(message.Answers.MoveNext());
        Assert.False(message.HasEdns);
        Assert.False(default(DnsRecordEnumerator).MoveNext());
        Assert.False(default(DnsAddressHintEnumerator).MoveNext());
        Assert.Equal(0, DnsAnswerChain.Resolve(message).Count);
    }
}
