using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Unix;
using static Tunnel.Platform.Interop.Linux.Interop;

namespace Tunnel.Platform.Linux.Internal;

/// <summary>
/// rtnetlink link notifications for one interface, so a change made from outside (<c>ip link set mtu</c>) is
/// seen when it happens, without asking the kernel per packet. The socket never blocks: its owner polls its
/// descriptor beside its own and calls <see cref="Drain"/> when it is readable.
/// </summary>
internal sealed unsafe class LinkEvents : IDisposable
{
    private const int NetlinkHeaderSize = 16;
    private const int LinkHeaderSize = 16;
    private const int ReceiveSize = 32 * 1024;

    private readonly SafeFileDescriptor _socket;
    private readonly int _interfaceIndex;
    private readonly byte[] _receive = new byte[ReceiveSize];

    private LinkEvents(SafeFileDescriptor socket, int interfaceIndex)
    {
        _socket = socket;
        _interfaceIndex = interfaceIndex;
    }

    /// <summary>The descriptor to poll for <c>POLLIN</c>.</summary>
    public SafeFileDescriptor Descriptor => _socket;

    /// <summary>Subscribes to the interface's link changes; null where the kernel refuses (then the caller knows only what it reads itself).</summary>
    public static LinkEvents? TryOpen(int interfaceIndex)
    {
        SafeFileDescriptor socket = Socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        var address = new NetlinkAddress { Family = AF_NETLINK, Groups = RTMGRP_LINK };
        if (socket.IsInvalid || Bind(socket, &address, (uint)sizeof(NetlinkAddress)) < 0)
        {
            socket.Dispose();
            return null;
        }

        return new LinkEvents(socket, interfaceIndex);
    }

    /// <summary>
    /// Reads every queued notification. Returns the interface's newest MTU among them, 0 when none reported one,
    /// or -1 when notifications were lost (the queue overflowed), after which the caller asks the kernel itself.
    /// </summary>
    public int Drain()
    {
        int mtu = 0;
        while (true)
        {
            nint read;
            fixed (byte* buffer = _receive)
            {
                read = Recv(_socket, buffer, (nuint)_receive.Length, MSG_DONTWAIT);
            }

            if (read < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errors.EINTR)
                {
                    continue;
                }

                return errno == Errors.ENOBUFS ? -1 : mtu; // EAGAIN: drained
            }

            mtu = ParseMtu(_receive.AsSpan(0, (int)read), _interfaceIndex, mtu);
        }
    }

    /// <summary>The MTU that the <c>RTM_NEWLINK</c> messages in <paramref name="messages"/> give <paramref name="interfaceIndex"/>, the last one winning; otherwise <paramref name="current"/>.</summary>
    internal static int ParseMtu(ReadOnlySpan<byte> messages, int interfaceIndex, int current)
    {
        while (messages.Length >= NetlinkHeaderSize)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(messages);
            if (length < NetlinkHeaderSize || length > messages.Length)
            {
                break; // malformed: keep what was read so far
            }

            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(messages[4..]);
            ReadOnlySpan<byte> payload = messages[NetlinkHeaderSize..length];
            if (type == RTM_NEWLINK && payload.Length >= LinkHeaderSize && BinaryPrimitives.ReadInt32LittleEndian(payload[4..]) == interfaceIndex)
            {
                ReadOnlySpan<byte> attributes = payload[LinkHeaderSize..];
                while (attributes.Length >= 4)
                {
                    int attributeLength = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
                    ushort attributeType = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]) & 0x3FFF);
                    if (attributeLength < 4 || attributeLength > attributes.Length)
                    {
                        break;
                    }

                    if (attributeType == IFLA_MTU && attributeLength >= 8)
                    {
                        current = (int)BinaryPrimitives.ReadUInt32LittleEndian(attributes[4..]);
                    }

                    attributes = attributes[Math.Min((attributeLength + 3) & ~3, attributes.Length)..];
                }
            }

            messages = messages[Math.Min((length + 3) & ~3, messages.Length)..];
        }

        return current;
    }

    public void Dispose() => _socket.Dispose();
}
