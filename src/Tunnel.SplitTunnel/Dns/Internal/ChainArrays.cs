using System.Runtime.CompilerServices;

namespace Tunnel.Dns.Internal;

/// <summary>The offsets of a chain's names in their message.</summary>
[InlineArray(DnsAnswerChain.Capacity)]
internal struct ChainOffsets
{
    private int _element0;
}

/// <summary>Per name of a chain, the smallest TTL of the CNAME records that lead to it.</summary>
[InlineArray(DnsAnswerChain.Capacity)]
internal struct ChainTimesToLive
{
    private uint _element0;
}

/// <summary>The <see cref="NameFingerprint"/> of each name of a chain.</summary>
[InlineArray(DnsAnswerChain.Capacity)]
internal struct ChainFingerprints
{
    private ulong _element0;
}

/// <summary>A CNAME record of the answer section, as chain resolution needs it.</summary>
/// <param name="OwnerFingerprint">The owner's <see cref="NameFingerprint"/>.</param>
/// <param name="Owner">The offset of the owner name.</param>
/// <param name="Target">The offset of the target name.</param>
/// <param name="TimeToLive">The record's TTL.</param>
internal readonly record struct CnameLink(ulong OwnerFingerprint, int Owner, int Target, uint TimeToLive);

/// <summary>The CNAME records chain resolution examines.</summary>
[InlineArray(DnsAnswerChain.MaxCnameRecords)]
internal struct CnameLinks
{
    private CnameLink _element0;
}
