using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Tunnel.Platform.Interop.Linux;

namespace Tunnel.Platform.Linux.Internal;

/// <summary>
/// One netlink request laid out in a buffer reused for every request of a socket: the header, the
/// message's fixed part, then its attributes, each padded to 4 bytes as the kernel parses them.
/// </summary>
internal sealed class NetlinkRequest
{
    /// <summary>The largest request any operation here builds is under 100 bytes; the rest is headroom.</summary>
    public const int Capacity = 512;

    private readonly byte[] _buffer = new byte[Capacity];
    private int _length;

    /// <summary>The request as laid out so far; <see cref="Finish"/> completes its header.</summary>
    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, _length);

    /// <summary>Starts a request, discarding the previous one.</summary>
    public NetlinkRequest Start(ushort type, ushort flags)
    {
        _buffer.AsSpan().Clear();
        var header = new NetlinkMessageHeader { Type = type, Flags = flags };
        MemoryMarshal.Write(_buffer, in header);
        _length = NetlinkMessageHeader.Size;
        return this;
    }

    /// <summary>Appends the message's fixed part (<c>rtmsg</c>, <c>ifaddrmsg</c>, ...).</summary>
    public NetlinkRequest Append<T>(in T fixedPart)
        where T : unmanaged
    {
        MemoryMarshal.Write(Reserve(Unsafe.SizeOf<T>()), in fixedPart);
        return this;
    }

    public NetlinkRequest Attribute(ushort type, uint value)
    {
        MemoryMarshal.Write(AttributeValue(type, sizeof(uint)), in value); // host order, as netlink's integers are
        return this;
    }

    /// <summary>A one-byte attribute (<c>NLA_U8</c>), such as a rule's <c>FRA_PROTOCOL</c>.</summary>
    public NetlinkRequest Attribute(ushort type, byte value)
    {
        AttributeValue(type, sizeof(byte))[0] = value;
        return this;
    }

    /// <summary>
    /// Appends a message body as the kernel sent it in a dump (fixed part and attributes), so that a request of
    /// another type names exactly that object, as <c>ip route flush</c> and <c>ip rule flush</c> do.
    /// </summary>
    public NetlinkRequest Echo(ReadOnlySpan<byte> body)
    {
        body.CopyTo(Reserve(body.Length));
        return this;
    }

    /// <summary>An address attribute: the 4 or 16 bytes in network order.</summary>
    public NetlinkRequest Attribute(ushort type, IPAddress address)
    {
        int size = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 4 : 16;
        if (!address.TryWriteBytes(AttributeValue(type, size), out _))
        {
            throw new UnreachableException();
        }

        return this;
    }

    /// <summary>A string attribute, NUL-terminated as the kernel's <c>NLA_NUL_STRING</c> and <c>IFNAMSIZ</c> checks want.</summary>
    public NetlinkRequest Attribute(ushort type, string value)
    {
        Span<byte> destination = AttributeValue(type, Encoding.ASCII.GetByteCount(value) + 1);
        Encoding.ASCII.GetBytes(value, destination);
        return this;
    }

    /// <summary>Sets the header's length and sequence number.</summary>
    public ReadOnlySpan<byte> Finish(uint sequence)
    {
        ref NetlinkMessageHeader header = ref MemoryMarshal.AsRef<NetlinkMessageHeader>(_buffer.AsSpan());
        header.Length = (uint)_length;
        header.Sequence = sequence;
        return Bytes;
    }

    private Span<byte> AttributeValue(ushort type, int size)
    {
        Span<byte> space = Reserve(RouteAttribute.Size + size);
        var attribute = new RouteAttribute { Length = (ushort)(RouteAttribute.Size + size), Type = type };
        MemoryMarshal.Write(space, in attribute);
        return space.Slice(RouteAttribute.Size, size);
    }

    private Span<byte> Reserve(int size)
    {
        int padded = NetlinkMessageHeader.Align(size);
        if (_length + padded > Capacity)
        {
            throw new InvalidOperationException($"A netlink request is limited to {Capacity} bytes.");
        }

        Span<byte> space = _buffer.AsSpan(_length, size);
        _length += padded;
        return space;
    }
}
