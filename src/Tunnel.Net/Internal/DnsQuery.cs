using System.Buffers.Binary;
using System.Net;
using System.Text;
using Tunnel.Dns;

namespace Tunnel.Net.Internal;

/// <summary>A stub resolver's query (RFC 1035 section 4.1) and the checks its answer must pass before its addresses are believed.</summary>
internal static class DnsQuery
{
    /// <summary>The largest query: a 12-byte header, a name of at most 255 bytes on the wire, type and class.</summary>
    public const int MaxLength = 12 + 255 + 4;

    /// <summary>Whether <paramref name="name"/> is a host name a query can carry: dot-separated labels of 1 to 63 bytes, 253 in all.</summary>
    public static bool IsValidName(string name)
    {
        string trimmed = name.EndsWith('.') ? name[..^1] : name;
        if (trimmed.Length is 0 or > 253 || !Ascii.IsValid(trimmed))
        {
            return false;
        }

        foreach (string label in trimmed.Split('.'))
        {
            if (label.Length is 0 or > 63)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes a recursive query for <paramref name="name"/>'s records of <paramref name="type"/>.</summary>
    /// <returns>The query's length.</returns>
    public static int Write(Span<byte> destination, ushort id, string name, DnsRecordType type)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, id);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0x0100); // a standard query, recursion desired
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], 1);
        destination[6..12].Clear();
        int offset = 12;
        string trimmed = name.EndsWith('.') ? name[..^1] : name;
        foreach (string label in trimmed.Split('.'))
        {
            destination[offset++] = (byte)label.Length;
            offset += Encoding.ASCII.GetBytes(label, destination[offset..]);
        }

        destination[offset++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[offset..], (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(offset + 2)..], 1); // class IN
        return offset + 4;
    }

    /// <summary>What an answer said.</summary>
    public enum Outcome
    {
        /// <summary>Not the answer to this query (another id, question or type, or not a response): ignored.</summary>
        NotOurs,

        /// <summary>The name has these addresses (perhaps none of this type).</summary>
        Answered,

        /// <summary>The name does not exist (NXDOMAIN).</summary>
        NameError,

        /// <summary>The server failed or refused: ask another.</summary>
        ServerFailure,
    }

    /// <summary>
    /// Checks <paramref name="response"/> against the query, and adds the addresses of <paramref name="type"/> that its
    /// answer gives for the name asked (following CNAME records; a record for any other name is not believed).
    /// </summary>
    public static Outcome Read(ReadOnlySpan<byte> response, ushort id, string name, DnsRecordType type, List<IPAddress> addresses)
    {
        if (!DnsMessage.TryParse(response, out DnsMessage message) || !message.IsResponse || message.Id != id
            || !message.TryGetQuestion(out DnsQuestion question) || question.Type != type || !question.Name.EqualsDotted(Encoding.ASCII.GetBytes(name)))
        {
            return Outcome.NotOurs;
        }

        switch (message.ResponseCode)
        {
            case DnsResponseCode.NoError:
                break;
            case DnsResponseCode.NameError:
                return Outcome.NameError;
            default:
                return Outcome.ServerFailure;
        }

        DnsAnswerChain chain = DnsAnswerChain.Resolve(message);
        foreach (DnsChainAddress address in chain.Addresses)
        {
            if (address.Source == type)
            {
                addresses.Add(new IPAddress(address.Address));
            }
        }

        return Outcome.Answered;
    }
}
