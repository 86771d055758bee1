using Tunnel.Dns.Internal;

namespace Tunnel.Dns;

/// <summary>
/// The names an answer attributes to its question: the question's name, then each CNAME target the answer
/// section leads to from it, in order (<c>[www.example.com, cdn.example.net, edge.example.org]</c>), and the
/// addresses the answer gives for those names. This is how a route learned from an answer is credited to the
/// name that was asked about, and the only names whose addresses are believed: a record for any other owner
/// is ignored, so a server cannot make the router learn addresses for names nobody asked for.
/// </summary>
/// <remarks>
/// Only records of class IN in the answer section count, and of its CNAME records only the first 64. When a
/// name has more than one CNAME (which RFC 2181 section 10.1 forbids), the first is followed. The chain holds at
/// most <see cref="Capacity"/> names; a CNAME back to a name already in it ends it (<see cref="HasLoop"/>), and
/// a longer one is cut (<see cref="IsIncomplete"/>). Resolution reads the answer section once; enumerating the
/// addresses reads it once more, walking each owner name once.
/// </remarks>
public readonly ref struct DnsAnswerChain
{
    /// <summary>The most names a chain holds: the question's name and seven CNAME targets, more than real resolvers follow in one answer.</summary>
    public const int Capacity = 8;

    /// <summary>
    /// How many CNAME records of the answer section are examined: a real answer holds one per name of its chain, and
    /// the bound keeps what a hostile answer of thousands of CNAME records costs to a single pass over it.
    /// </summary>
    internal const int MaxCnameRecords = 64;

    private readonly ReadOnlySpan<byte> _message;
    private readonly DnsRecordEnumerator _answers;
    private readonly ChainOffsets _names;
    private readonly ChainTimesToLive _timesToLive;
    private readonly ChainFingerprints _fingerprints;

    private DnsAnswerChain(ReadOnlySpan<byte> message, DnsRecordEnumerator answers, scoped in ChainOffsets names, scoped in ChainTimesToLive timesToLive, scoped in ChainFingerprints fingerprints, int count, bool hasLoop, bool isIncomplete)
    {
        _message = message;
        _answers = answers;
        _names = names;
        _timesToLive = timesToLive;
        _fingerprints = fingerprints;
        Count = count;
        HasLoop = hasLoop;
        IsIncomplete = isIncomplete;
    }

    /// <summary>The number of names: 0 when the message has no question, else 1 to <see cref="Capacity"/>.</summary>
    public int Count { get; }

    /// <summary>Whether a CNAME led back to a name already in the chain, which ended it there.</summary>
    public bool HasLoop { get; }

    /// <summary>
    /// Whether the chain may go on past its last name: it reached <see cref="Capacity"/> names with a CNAME left to
    /// follow, or it ended while the answer section held more than 64 CNAME records, the rest of which are not examined.
    /// </summary>
    public bool IsIncomplete { get; }

    /// <summary>The addresses the answer section gives for the chain's names, in message order.</summary>
    public DnsChainAddressEnumerator Addresses => new(this, _answers);

    /// <summary>A name of the chain: 0 is the question's name, 1 the first CNAME target, and so on.</summary>
    /// <param name="index">From 0 to <see cref="Count"/> - 1.</param>
    /// <returns>The name.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the chain.</exception>
    public DnsName this[int index] => new(_message, _names[CheckIndex(index)]);

    /// <summary>Follows the CNAME records of a message's answer section from its first question's name.</summary>
    /// <param name="message">A parsed message, normally a response.</param>
    /// <returns>The chain; empty when the message has no question.</returns>
    public static DnsAnswerChain Resolve(in DnsMessage message)
    {
        ReadOnlySpan<byte> bytes = message.Bytes;
        ChainOffsets names = default;
        ChainTimesToLive timesToLive = default;
        ChainFingerprints fingerprints = default;
        if (!message.TryGetQuestion(out DnsQuestion question))
        {
            return new DnsAnswerChain(bytes, message.Answers, names, timesToLive, fingerprints, 0, false, false);
        }

        // One pass gathers the CNAME records; following the chain then never walks their owners again.
        CnameLinks links = default;
        int linkCount = 0;
        bool moreLinks = false;
        foreach (DnsRecord record in message.Answers)
        {
            if (record.Type != DnsRecordType.CNAME || record.Class != DnsWire.ClassInternet)
            {
                continue;
            }

            if (linkCount == MaxCnameRecords)
            {
                moreLinks = true;
                break;
            }

            links[linkCount++] = new CnameLink(NameFingerprint.Compute(record.Name), record.Name.Offset, record.CnameTarget.Offset, record.TimeToLive);
        }

        names[0] = question.Name.Offset;
        timesToLive[0] = uint.MaxValue;
        fingerprints[0] = NameFingerprint.Compute(question.Name);
        int count = 1;
        bool hasLoop = false, isIncomplete = false;
        while (true)
        {
            int link = FindLink(bytes, links[..linkCount], new DnsName(bytes, names[count - 1]), fingerprints[count - 1]);
            if (link < 0)
            {
                isIncomplete = moreLinks;
                break;
            }

            var target = new DnsName(bytes, links[link].Target);
            ulong fingerprint = NameFingerprint.Compute(target);
            if (IndexOf(bytes, names, fingerprints, count, target, fingerprint) >= 0)
            {
                hasLoop = true;
                break;
            }

            if (count == Capacity)
            {
                isIncomplete = true;
                break;
            }

            names[count] = target.Offset;
            timesToLive[count] = Math.Min(timesToLive[count - 1], links[link].TimeToLive);
            fingerprints[count] = fingerprint;
            count++;
        }

        return new DnsAnswerChain(bytes, message.Answers, names, timesToLive, fingerprints, count, hasLoop, isIncomplete);
    }

    /// <summary>
    /// The smallest TTL of the CNAME records that lead from the question's name to a name of the chain: how long
    /// the attribution of that name to the question holds. <see cref="uint.MaxValue"/> for the question's name itself.
    /// </summary>
    /// <param name="index">From 0 to <see cref="Count"/> - 1.</param>
    /// <returns>The TTL in seconds.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside the chain.</exception>
    public uint GetPathTimeToLive(int index) => _timesToLive[CheckIndex(index)];

    /// <summary>Where a name stands in the chain, compared as <see cref="DnsName.Equals(DnsName)"/> does.</summary>
    /// <param name="name">A name of this message or of another one.</param>
    /// <returns>Its index, or -1 when the chain does not hold it.</returns>
    public int IndexOf(DnsName name) => Count == 0 ? -1 : IndexOf(_message, _names, _fingerprints, Count, name, NameFingerprint.Compute(name));

    private static int IndexOf(ReadOnlySpan<byte> message, scoped in ChainOffsets names, scoped in ChainFingerprints fingerprints, int count, DnsName name, ulong fingerprint)
    {
        for (int i = 0; i < count; i++)
        {
            if (fingerprints[i] == fingerprint && new DnsName(message, names[i]).Equals(name))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The first CNAME record owned by <paramref name="owner"/>, or -1.</summary>
    private static int FindLink(ReadOnlySpan<byte> message, ReadOnlySpan<CnameLink> links, DnsName owner, ulong fingerprint)
    {
        for (int i = 0; i < links.Length; i++)
        {
            if (links[i].OwnerFingerprint == fingerprint && new DnsName(message, links[i].Owner).Equals(owner))
            {
                return i;
            }
        }

        return -1;
    }

    private int CheckIndex(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return index;
    }
}
