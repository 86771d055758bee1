using Tunnel.Dns;

namespace Tunnel.Fuzz.Targets;

/// <summary>
/// The DNS parser the forwarder runs on every answer before it learns routes from it: the whole message,
/// every accessor, the CNAME chain and its addresses, the error-response writer, and the TCP framing, with
/// the promises each makes checked against the others.
/// </summary>
internal sealed class DnsMessageTarget : IFuzzTarget
{
    // A header, the longest question (255 + 4) and an OPT record.
    private const int MaxErrorResponse = 12 + 259 + 11;

    public string Name => "dns-message";

    public void Run(ReadOnlySpan<byte> data)
    {
        CheckFraming(data);

        bool parsed = DnsMessage.TryParse(data, out DnsMessage message, out DnsParseError error);
        Span<byte> response = stackalloc byte[MaxErrorResponse];
        if (!parsed)
        {
            Require(error != DnsParseError.None && message.Bytes.IsEmpty, "a rejected message without a reason, or with a view");
            Require(!DnsMessageWriter.TryWriteErrorResponse(data, DnsResponseCode.ServerFailure, response, out _), "an error response to a malformed query");
            return;
        }

        Require(error == DnsParseError.None, "a parsed message with a reason");
        Require(message.Bytes.Length + message.TrailingByteCount == data.Length && message.Bytes == data[..message.Bytes.Length], "the message is not a prefix of its input");
        Require(DnsMessage.TryParse(message.Bytes, out DnsMessage again) && again.TrailingByteCount == 0, "the message without its trailing bytes does not parse");

        Span<byte> text = stackalloc byte[DnsName.MaxLength];
        bool hasQuestion = message.TryGetQuestion(out DnsQuestion question);
        Require(hasQuestion == message.QuestionCount > 0, "a question that the count denies");
        if (hasQuestion)
        {
            CheckName(question.Name, text);
        }

        CheckSection(message.Answers, message.AnswerCount, additional: false, text, out _);
        CheckSection(message.Authorities, message.AuthorityCount, additional: false, text, out _);
        CheckSection(message.Additionals, message.AdditionalCount, additional: true, text, out int opts);
        Require(opts == (message.HasEdns ? 1 : 0), "EDNS without exactly one OPT record");

        CheckChain(message, question, hasQuestion);
        CheckErrorResponse(data, message, question, hasQuestion, response);
    }

    private static void CheckFraming(ReadOnlySpan<byte> data)
    {
        bool whole = DnsTcpFraming.TryReadMessage(data, out ReadOnlySpan<byte> framed);
        bool prefixed = DnsTcpFraming.TryReadLength(data, out int length);
        Require(prefixed == data.Length >= DnsTcpFraming.PrefixLength, "a length prefix misread");
        Require(whole == (prefixed && data.Length - DnsTcpFraming.PrefixLength >= length), "a framed message found when incomplete, or missed");
        Require(!whole || framed.Length == length, "a framed message of the wrong length");
    }

    private static void CheckSection(DnsRecordEnumerator records, int expected, bool additional, Span<byte> text, out int opts)
    {
        int count = 0;
        opts = 0;
        Span<byte> address = stackalloc byte[16];
        foreach (DnsRecord record in records)
        {
            count++;
            CheckName(record.Name, text);
            CheckName(record.CnameTarget, text);
            CheckName(record.SvcTargetName, text);
            Require(record.TimeToLive <= int.MaxValue, "a TTL with its top bit set");

            bool internetAddress = record.Class == 1 && record.Type is DnsRecordType.A or DnsRecordType.AAAA;
            bool copied = record.TryGetAddress(address, out int written);
            Require(copied == internetAddress, "an address read from a record that has none, or missed");
            Require(!copied || written == (record.Type == DnsRecordType.A ? 4 : 16), "an address of the wrong length");

            int hints = 0;
            foreach (ReadOnlySpan<byte> hint in record.SvcAddressHints)
            {
                Require(hint.Length is 4 or 16, "an address hint of the wrong length");
                hints++;
            }

            Require(hints == 0 || record.SvcPriority != 0, "address hints in AliasMode");
            if (record.Type == DnsRecordType.OPT)
            {
                Require(additional && record.Name.IsRoot, "an OPT record outside the additional section or off the root");
                opts++;
            }
        }

        Require(count == expected, "a section with more or fewer records than its count");
    }

    private static void CheckName(DnsName name, Span<byte> text)
    {
        int length = name.Length;
        int written = name.CopyTo(text);
        Require(written == length && length <= DnsName.MaxLength, "CopyTo and Length disagree");
        Require(name.WireLength is >= 1 and <= 255, "a name longer than 255 bytes");
        Require(name.IsRoot == (length == 0) && name.IsRoot == (name.LabelCount == 0), "root, length and label count disagree");
        Require(length == 0 || name.CopyTo(text[..(length - 1)]) == -1, "CopyTo wrote into a buffer too small");
        Require(name.Equals(name) && name.EqualsDotted(text[..written]), "a name unequal to itself or to its text");
    }

    private static void CheckChain(DnsMessage message, DnsQuestion question, bool hasQuestion)
    {
        DnsAnswerChain chain = DnsAnswerChain.Resolve(message);
        Require(chain.Count <= DnsAnswerChain.Capacity && (chain.Count > 0) == hasQuestion, "a chain of the wrong size");
        Require(!hasQuestion || chain[0].Equals(question.Name), "a chain that does not start at the question");
        Require(!(chain.HasLoop && chain.IsIncomplete), "a chain both looped and cut");
        for (int i = 1; i < chain.Count; i++)
        {
            Require(chain.IndexOf(chain[i]) == i, "a name twice in the chain");
            Require(FirstCname(message, chain[i - 1], out DnsRecord cname) && cname.CnameTarget.Equals(chain[i]), "a chain link without its CNAME");
            Require(chain.GetPathTimeToLive(i) == Math.Min(chain.GetPathTimeToLive(i - 1), cname.TimeToLive), "a path TTL that is not the smallest CNAME TTL");
        }

        foreach (DnsChainAddress address in chain.Addresses)
        {
            Require(address.ChainIndex >= 0 && address.ChainIndex < chain.Count, "an address credited outside the chain");
            Require(address.Address.Length is 4 or 16, "a chain address of the wrong length");
            for (int j = 0; j < address.ChainIndex; j++)
            {
                Require(FirstCname(message, chain[j], out DnsRecord cname) && address.TimeToLive <= cname.TimeToLive, "an address outliving a CNAME on its path");
            }

            Require(HasSource(message, chain[address.ChainIndex], address), "an address without a record of its owner that holds it");
        }
    }

    /// <summary>Whether the answer section has a record of the chain name, of the address's source type, holding the address, with a TTL no shorter.</summary>
    private static bool HasSource(DnsMessage message, DnsName owner, DnsChainAddress address)
    {
        foreach (DnsRecord record in message.Answers)
        {
            if (record.Type != address.Source || record.Class != 1 || record.TimeToLive < address.TimeToLive || !record.Name.Equals(owner))
            {
                continue;
            }

            if (record.Data.SequenceEqual(address.Address))
            {
                return true;
            }

            foreach (ReadOnlySpan<byte> hint in record.SvcAddressHints)
            {
                if (hint.SequenceEqual(address.Address))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool FirstCname(DnsMessage message, DnsName owner, out DnsRecord cname)
    {
        foreach (DnsRecord record in message.Answers)
        {
            if (record.Type == DnsRecordType.CNAME && record.Class == 1 && record.Name.Equals(owner))
            {
                cname = record;
                return true;
            }
        }

        cname = default;
        return false;
    }

    private static void CheckErrorResponse(ReadOnlySpan<byte> data, DnsMessage message, DnsQuestion question, bool hasQuestion, Span<byte> response)
    {
        bool written = DnsMessageWriter.TryWriteErrorResponse(data, DnsResponseCode.NameError, response, out int length);
        Require(written == !message.IsResponse, "an error response to a response, or none to a query");
        if (!written)
        {
            return;
        }

        Require(DnsMessage.TryParse(response[..length], out DnsMessage reply) && reply.TrailingByteCount == 0, "an error response that does not parse");
        Require(reply.Id == message.Id && reply.IsResponse && reply.ResponseCode == DnsResponseCode.NameError && reply.Opcode == message.Opcode, "an error response with the wrong header");
        Require(reply.AnswerCount == 0 && reply.AuthorityCount == 0 && reply.HasEdns == message.HasEdns, "an error response with records");
        Require(reply.TryGetQuestion(out DnsQuestion echoed) == hasQuestion, "an error response that lost or invented the question");
        Require(!hasQuestion || (echoed.Name.Equals(question.Name) && echoed.Type == question.Type && echoed.Class == question.Class), "an error response with another question");
    }

    private static void Require(bool condition, string violation)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(violation);
        }
    }
}
