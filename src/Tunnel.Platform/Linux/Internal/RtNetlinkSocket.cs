using System.Runtime.InteropServices;
using System.Text;
using Tunnel.Platform.Interop.Linux;
using Tunnel.Platform.Interop.Unix;
using static Tunnel.Platform.Interop.Linux.Interop;

namespace Tunnel.Platform.Linux.Internal;

/// <summary>
/// An rtnetlink socket that runs one request at a time: the request goes out with <c>NLM_F_ACK</c> and the
/// call returns once the kernel's acknowledgement for that request (its sequence number) has come back.
/// </summary>
/// <remarks>
/// The socket belongs to the network namespace of the thread that opened it, for its whole life, whichever
/// thread uses it later. It is not thread-safe: its owner serializes calls. Nothing is allocated per call
/// except the kernel's reason text on failure.
/// </remarks>
internal sealed unsafe class RtNetlinkSocket : IDisposable
{
    /// <summary>
    /// Room for a link message (a full <c>RTM_NEWLINK</c> with statistics is a few KiB); acknowledgements are
    /// tens of bytes since <c>NETLINK_CAP_ACK</c> keeps the request out of them.
    /// </summary>
    private const int ReceiveSize = 32 * 1024;

    /// <summary>
    /// rtnetlink answers inside the sending call, so a reply that has not come after this long never will;
    /// the bound keeps a kernel or program bug from hanging the caller forever.
    /// </summary>
    private const int ReplyTimeoutSeconds = 5;

    /// <summary>The two high bits of an attribute's type are flags (<c>NLA_F_NESTED</c>, <c>NLA_F_NET_BYTEORDER</c>).</summary>
    private const ushort AttributeTypeMask = 0x3FFF;

    private readonly SafeFileDescriptor _socket;
    private readonly byte[] _receive = new byte[ReceiveSize];
    private uint _sequence;

    private RtNetlinkSocket(SafeFileDescriptor socket) => _socket = socket;

    /// <summary>The request the next <see cref="Execute(out string?)"/> sends; start it with <see cref="NetlinkRequest.Start"/>.</summary>
    public NetlinkRequest Request { get; } = new();

    /// <summary>Opens a socket in the calling thread's network namespace.</summary>
    /// <exception cref="LinuxNetlinkException">The kernel refused the socket.</exception>
    public static RtNetlinkSocket Open()
    {
        SafeFileDescriptor socket = Socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (socket.IsInvalid)
        {
            int errno = Marshal.GetLastPInvokeError();
            socket.Dispose();
            throw new LinuxNetlinkException("Opening an rtnetlink socket", errno, kernelMessage: null);
        }

        // Both are optional (older kernels): without them an error echoes the request and has no reason text.
        int on = 1;
        _ = SetSockOpt(socket, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof(int));
        _ = SetSockOpt(socket, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(int));
        var timeout = new TimeValue { Seconds = ReplyTimeoutSeconds };
        _ = SetSockOpt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, (uint)sizeof(TimeValue));
        return new RtNetlinkSocket(socket);
    }

    /// <summary>Sends <see cref="Request"/> and waits for its acknowledgement.</summary>
    /// <param name="kernelMessage">The kernel's reason for a failure (extended ack), when it gave one.</param>
    /// <returns>0 when the kernel applied the request, otherwise the errno (from the kernel, or from send or receive).</returns>
    public int Execute(out string? kernelMessage) => Execute(default, out _, out kernelMessage);

    /// <summary>Sends <see cref="Request"/>, copies the payload of the first reply that is not the acknowledgement into <paramref name="reply"/>, and waits for the acknowledgement.</summary>
    /// <param name="reply">Where the reply's payload goes, cut to this length.</param>
    /// <param name="replyLength">How many bytes of <paramref name="reply"/> were written; 0 when no reply came.</param>
    /// <param name="kernelMessage">The kernel's reason for a failure, when it gave one.</param>
    /// <returns>0 or an errno, as <see cref="Execute(out string?)"/>.</returns>
    public int Execute(Span<byte> reply, out int replyLength, out string? kernelMessage)
    {
        replyLength = 0;
        kernelMessage = null;
        uint sequence = ++_sequence;
        ReadOnlySpan<byte> request = Request.Finish(sequence);
        int errno = SendRequest(request);
        if (errno != 0)
        {
            return errno;
        }

        while (true)
        {
            nint received;
            fixed (byte* buffer = _receive)
            {
                // MSG_TRUNC: the result is the datagram's real size, so a cut one is told apart from a short one.
                received = Recv(_socket, buffer, ReceiveSize, MSG_TRUNC);
            }

            if (received < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                if (errno == Errors.EINTR)
                {
                    continue;
                }

                return errno; // EAGAIN: no answer within the timeout
            }

            ReadOnlySpan<byte> datagram = _receive.AsSpan(0, (int)Math.Min(received, ReceiveSize));
            while (datagram.Length >= NetlinkMessageHeader.Size)
            {
                NetlinkMessageHeader header = MemoryMarshal.Read<NetlinkMessageHeader>(datagram);
                if (header.Length < NetlinkMessageHeader.Size)
                {
                    break;
                }

                // A reply larger than the buffer arrives cut; its head is all a caller reads.
                int length = (int)Math.Min(header.Length, (uint)datagram.Length);
                ReadOnlySpan<byte> payload = datagram[NetlinkMessageHeader.Size..length];
                datagram = datagram[Math.Min(NetlinkMessageHeader.Align(length), datagram.Length)..];

                // Anything else answers a request abandoned after a timeout, or is a notification.
                if (header.Sequence != sequence)
                {
                    continue;
                }

                if (header.Type == NLMSG_ERROR && payload.Length >= NetlinkErrorMessage.Size)
                {
                    NetlinkErrorMessage error = MemoryMarshal.Read<NetlinkErrorMessage>(payload);
                    if (error.Error != 0)
                    {
                        kernelMessage = ReadKernelMessage(header.Flags, error, payload);
                    }

                    return -error.Error;
                }

                if (header.Type != NLMSG_DONE && replyLength == 0 && !reply.IsEmpty)
                {
                    replyLength = Math.Min(payload.Length, reply.Length);
                    payload[..replyLength].CopyTo(reply);
                }
            }
        }
    }

    /// <summary>
    /// Sends <see cref="Request"/> as a dump request and hands every reply's type and payload to
    /// <paramref name="reply"/> until the kernel's <c>NLMSG_DONE</c>.
    /// </summary>
    /// <param name="reply">Called for each reply; the span is valid only during the call.</param>
    /// <returns>0 when the dump completed, otherwise the errno.</returns>
    public int Dump(DumpReply reply)
    {
        uint sequence = ++_sequence;
        int errno = SendRequest(Request.Finish(sequence));
        if (errno != 0)
        {
            return errno;
        }

        while (true)
        {
            nint received;
            fixed (byte* buffer = _receive)
            {
                received = Recv(_socket, buffer, ReceiveSize, 0);
            }

            if (received < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                if (errno == Errors.EINTR)
                {
                    continue;
                }

                return errno;
            }

            ReadOnlySpan<byte> datagram = _receive.AsSpan(0, (int)received);
            while (datagram.Length >= NetlinkMessageHeader.Size)
            {
                NetlinkMessageHeader header = MemoryMarshal.Read<NetlinkMessageHeader>(datagram);
                if (header.Length < NetlinkMessageHeader.Size || header.Length > datagram.Length)
                {
                    return Errors.EIO;
                }

                ReadOnlySpan<byte> payload = datagram[NetlinkMessageHeader.Size..(int)header.Length];
                datagram = datagram[Math.Min(NetlinkMessageHeader.Align((int)header.Length), datagram.Length)..];
                if (header.Sequence != sequence)
                {
                    continue;
                }

                if (header.Type == NLMSG_DONE)
                {
                    return 0;
                }

                if (header.Type == NLMSG_ERROR && payload.Length >= NetlinkErrorMessage.Size)
                {
                    int error = -MemoryMarshal.Read<NetlinkErrorMessage>(payload).Error;
                    if (error != 0)
                    {
                        return error;
                    }

                    continue;
                }

                reply(header.Type, payload);
            }
        }
    }

    /// <summary>Receives one reply of a dump.</summary>
    public delegate void DumpReply(ushort type, ReadOnlySpan<byte> payload);

    public void Dispose() => _socket.Dispose();

    private int SendRequest(ReadOnlySpan<byte> request)
    {
        fixed (byte* bytes = request)
        {
            while (Send(_socket, bytes, (nuint)request.Length, 0) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errors.EINTR)
                {
                    return errno;
                }
            }
        }

        return 0;
    }

    /// <summary>
    /// The <c>NLMSGERR_ATTR_MSG</c> text of an extended acknowledgement: its attributes follow the error and
    /// the echoed request, which is only the request's header when the kernel capped it.
    /// </summary>
    private static string? ReadKernelMessage(ushort flags, in NetlinkErrorMessage error, ReadOnlySpan<byte> payload)
    {
        if ((flags & NLM_F_ACK_TLVS) == 0)
        {
            return null;
        }

        int offset = (flags & NLM_F_CAPPED) != 0
            ? NetlinkErrorMessage.Size
            : sizeof(int) + NetlinkMessageHeader.Align((int)error.Request.Length);
        ReadOnlySpan<byte> attributes = offset <= payload.Length ? payload[offset..] : default;
        while (attributes.Length >= RouteAttribute.Size)
        {
            RouteAttribute attribute = MemoryMarshal.Read<RouteAttribute>(attributes);
            if (attribute.Length < RouteAttribute.Size || attribute.Length > attributes.Length)
            {
                return null;
            }

            if ((attribute.Type & AttributeTypeMask) == NLMSGERR_ATTR_MSG)
            {
                ReadOnlySpan<byte> text = attributes[RouteAttribute.Size..attribute.Length];
                int end = text.IndexOf((byte)0);
                return Encoding.UTF8.GetString(end < 0 ? text : text[..end]);
            }

            attributes = attributes[Math.Min(NetlinkMessageHeader.Align(attribute.Length), attributes.Length)..];
        }

        return null;
    }
}
