using System.Runtime.CompilerServices;

namespace Tunnel.Core.Dns.Internal;

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
