using Tunnel.Core.Dns.Internal;

namespace Tunnel.Core.Dns;

/// <summary>
/// The names an answer attributes to its question: the question's name, then each CNAME target the answer
/// section leads to from it, in order (<c>[www.example.com, cdn.example.net, edge.example.org]</c>), and the
/// addresses the answer gives for those names. This is how a route learned from an answer is credited to the
/// name that was asked about, and the only names whose addresses are believed: a record for any other owner
/// is ignored, so a server cannot make the router learn addresses for names nobody asked for.
/// </summary>
/// <remarks>
/// Only records of class IN in the answer section count. When a name has more than one CNAME (which RFC 2181
/// section 10.1 forbids), the first is followed. The chain holds at most <see cref="Capacity"/> names; a CNAME
/// back to a name already in it ends it (<see cref="HasLoop"/>), and a longer one is cut
/// (<see cref="IsIncomplete"/>), so resolution always ends, after at most <see cref="Capacity"/> passes over
/// the answers.
/// </remarks>
public readonly ref struct DnsAnswerChain
{
    /// <summary>The most names a chain holds: the question's name and seven CNAME targets, more than real resolvers follow in one answer.</summary>
    public const int Capacity = 8;

    private readonly ReadOnlySpan<byte> _message;
    private readonly DnsRecordEnumerator _answers;
    private readonly ChainOffsets _names;
    private readonly ChainTimesToLive _timesToLive;

    private DnsAnswerChain(ReadOnlySpan<byte> message, DnsRecordEnumerator answers, scoped in ChainOffsets names, scoped in ChainTimesToLive timesToLive, int count, bool hasLoop, bool isIncomplete)
    {
        _message = message;
        _answers = answers;
        _names = names;
        _timesToLive = timesToLive;
        Count = count;
        HasLoop = hasLoop;
        IsIncomplete = isIncomplete;
    }

    /// <summary>The number of names: 0 when the message has no question, else 1 to <see cref="Capacity"/>.</summary>
    public int Count { get; }

    /// <summary>Whether a CNAME led back to a name already in the chain, which ended it there.</summary>
    public bool HasLoop { get; }

    /// <summary>Whether the chain went on past <see cref="Capacity"/> names and was cut: names after the last are not followed.</summary>
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
        if (!message.TryGetQuestion(out DnsQuestion question))
        {
            return new DnsAnswerChain(bytes, message.Answers, names, timesToLive, 0, false, false);
        }

        names[0] = question.Name.Offset;
        timesToLive[0] = uint.MaxValue;
        int count = 1;
        bool hasLoop = false, isIncomplete = false;
        while (TryFindCname(message.Answers, new DnsName(bytes, names[count - 1]), out int target, out uint timeToLive))
        {
            if (IndexOf(bytes, names, count, new DnsName(bytes, target)) >= 0)
            {
                hasLoop = true;
                break;
            }

            if (count == Capacity)
            {
                isIncomplete = true;
                break;
            }

            names[count] = target;
            timesToLive[count] = Math.Min(timesToLive[count - 1], timeToLive);
            count++;
        }

        return new DnsAnswerChain(bytes, message.Answers, names, timesToLive, count, hasLoop, isIncomplete);
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
    public int IndexOf(DnsName name) => IndexOf(_message, _names, Count, name);

    private static int IndexOf(ReadOnlySpan<byte> message, scoped in ChainOffsets names, int count, DnsName name)
    {
        for (int i = 0; i < count; i++)
        {
            if (new DnsName(message, names[i]).Equals(name))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool TryFindCname(DnsRecordEnumerator answers, DnsName owner, out int target, out uint timeToLive)
    {
        foreach (DnsRecord record in answers)
        {
            if (record.Type == DnsRecordType.CNAME && record.Class == DnsWire.ClassInternet && record.Name.Equals(owner))
            {
                target = record.CnameTarget.Offset;
                timeToLive = record.TimeToLive;
                return true;
            }
        }

        target = 0;
        timeToLive = 0;
        return false;
    }

    private int CheckIndex(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return index;
    }
}
