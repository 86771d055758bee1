using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Linux;

namespace Tunnel.Platform.Linux.Internal;

/// <summary>Walks the attributes after a netlink message's fixed part, stopping at the first malformed one.</summary>
internal ref struct NetlinkAttributeReader
{
    /// <summary>The two high bits of an attribute's type are flags (<c>NLA_F_NESTED</c>, <c>NLA_F_NET_BYTEORDER</c>).</summary>
    private const ushort TypeMask = 0x3FFF;

    private ReadOnlySpan<byte> _rest;

    /// <param name="payload">The message without its netlink header.</param>
    /// <param name="fixedSize">The size of its fixed part (<c>rtmsg</c>, <c>fib_rule_hdr</c>, ...).</param>
    public NetlinkAttributeReader(ReadOnlySpan<byte> payload, int fixedSize) =>
        _rest = payload[Math.Min(NetlinkMessageHeader.Align(fixedSize), payload.Length)..];

    /// <summary>Reads the next attribute; false at the end or at a malformed one.</summary>
    public bool TryRead(out ushort type, out ReadOnlySpan<byte> value)
    {
        type = 0;
        value = default;
        if (_rest.Length < RouteAttribute.Size)
        {
            return false;
        }

        RouteAttribute attribute = MemoryMarshal.Read<RouteAttribute>(_rest);
        if (attribute.Length < RouteAttribute.Size || attribute.Length > _rest.Length)
        {
            return false;
        }

        type = (ushort)(attribute.Type & TypeMask);
        value = _rest[RouteAttribute.Size..attribute.Length];
        _rest = _rest[Math.Min(NetlinkMessageHeader.Align(attribute.Length), _rest.Length)..];
        return true;
    }
}
