using System.Runtime.CompilerServices;

namespace Tunnel.Core.Crypto.Internal;

/// <summary>Eight 32-bit words: a BLAKE2s chain value.</summary>
[InlineArray(8)]
internal struct UInt32x8
{
    private uint _element0;
}

/// <summary>One 64-byte block: BLAKE2s's block and HMAC-BLAKE2s's padded key.</summary>
[InlineArray(64)]
internal struct Bytes64
{
    private byte _element0;
}

/// <summary>Thirty-two bytes: the size of every WireGuard key and hash.</summary>
[InlineArray(32)]
internal struct Bytes32
{
    private byte _element0;
}

/// <summary>Sixteen bytes: a MAC or a cookie.</summary>
[InlineArray(16)]
internal struct Bytes16
{
    private byte _element0;
}
