using System.Runtime.InteropServices;
using Tunnel.Core;
using Tunnel.Platform.Interop.Linux;
using Tunnel.Platform.Linux.Internal;
using static Tunnel.Platform.Interop.Linux.Interop;
using static Tunnel.Platform.Interop.Unix.Interop;

namespace Tunnel.Platform.Linux;

/// <summary>
/// Send: the datagrams of a call become messages (a GSO run of equal-sized datagrams, the last possibly
/// shorter, per message; or one datagram per message) gathered from the caller's buffers without copying,
/// and go out in one <c>sendmmsg</c>.
/// </summary>
public sealed partial class LinuxUdpDatagramSocket
{
    /// <summary>The kernel's limit on segments per GSO send (<c>UDP_MAX_SEGMENTS</c>).</summary>
    private const int MaxSegments = 64;

    /// <summary>The largest UDP payload over IPv4, the bound on a GSO run's bytes.</summary>
    private const int MaxRunBytes = 65507;

    /// <summary>Room per message for a <c>UDP_SEGMENT</c> control message (24 bytes) and an <c>IPV6_PKTINFO</c> one (40).</summary>
    private const int SendControlStride = 64;

    /// <summary>One sending thread's scratch per fallback depth: a refused send is sent again while the first is in use.</summary>
    [ThreadStatic]
    private static SendScratch?[]? t_scratch;

    private bool _segmentation;
    private long _segmentationFallbacks;

    /// <summary>The local address the kernel last refused to send from (it was removed), skipped until a datagram arrives on it again.</summary>
    private UdpEndpoint _refusedSource;
    private int _hasRefusedSource;
    private readonly Lock _refusedGate = new();

    /// <summary>GSO sends the kernel refused and that were sent again one datagram per message.</summary>
    public long SegmentationFallbacks => Interlocked.Read(ref _segmentationFallbacks);

    /// <inheritdoc/>
    public int Send(ReadOnlySpan<ReadOnlyMemory<byte>> datagrams, UdpEndpoint destination)
    {
        int sent = 0;
        for (int start = 0; start < datagrams.Length; start += MaxBatch)
        {
            sent += SendChunk(0, datagrams.Slice(start, Math.Min(MaxBatch, datagrams.Length - start)), destination, Segmentation && _batching, IsSticky(destination));
        }

        return sent;
    }

    /// <summary>Sends up to a batch of datagrams; <paramref name="depth"/> counts the fallbacks this call is (at most two: the source address, then GSO).</summary>
    private unsafe int SendChunk(int depth, ReadOnlySpan<ReadOnlyMemory<byte>> datagrams, UdpEndpoint destination, bool segmentation, bool sticky)
    {
        SendScratch scratch = (t_scratch ??= new SendScratch?[3])[depth] ??= new SendScratch();
        fixed (byte* name = scratch.Name)
        fixed (byte* control = scratch.Control)
        fixed (IOVector* vectors = scratch.Vectors)
        fixed (MultiMessageHeader* messages = scratch.Messages)
        fixed (int* firsts = scratch.FirstDatagram)
        {
            if (!TryWriteName(destination, name, out uint nameLength))
            {
                return 0;
            }

            try
            {
                int count = 0;
                for (int i = 0; i < datagrams.Length;)
                {
                    int run = segmentation ? RunLength(datagrams[i..]) : 1;
                    for (int j = 0; j < run; j++)
                    {
                        vectors[i + j] = new IOVector { Base = scratch.Pins.Pin(datagrams[i + j]), Length = (nuint)datagrams[i + j].Length };
                    }

                    var header = new MessageHeader { Name = name, NameLength = nameLength, Vectors = vectors + i, VectorCount = (nuint)run };
                    byte* message = control + (count * SendControlStride);
                    int controlLength = 0;
                    if (run > 1)
                    {
                        *(ControlMessageHeader*)message = new ControlMessageHeader { Length = (nuint)ControlMessageHeader.LengthFor(sizeof(ushort)), Level = SOL_UDP, Type = UDP_SEGMENT };
                        *(ushort*)(message + ControlMessageHeader.Size) = (ushort)datagrams[i].Length;
                        controlLength = ControlMessageHeader.Space(sizeof(ushort));
                    }

                    if (sticky)
                    {
                        controlLength += WritePacketInfo(message + controlLength, destination);
                    }

                    if (controlLength > 0)
                    {
                        header.Control = message;
                        header.ControlLength = (nuint)controlLength;
                    }

                    firsts[count] = i;
                    messages[count++] = new MultiMessageHeader { Header = header };
                    i += run;
                }

                firsts[count] = datagrams.Length;
                return SendMessages(depth, messages, firsts, count, datagrams, destination, segmentation, sticky);
            }
            finally
            {
                scratch.Pins.Release();
            }
        }
    }

    /// <summary>How many datagrams from the first form one GSO run: equal sizes, a shorter last one allowed, within the kernel's bounds.</summary>
    private static int RunLength(ReadOnlySpan<ReadOnlyMemory<byte>> datagrams)
    {
        int size = datagrams[0].Length;
        int run = 1, bytes = size;
        while (run < datagrams.Length && run < MaxSegments && size > 0)
        {
            int next = datagrams[run].Length;
            if (next > size || next == 0 || bytes + next > MaxRunBytes)
            {
                break;
            }

            run++;
            bytes += next;
            if (next < size)
            {
                break; // only the last segment may be shorter
            }
        }

        return run;
    }

    /// <summary>Sends the messages, stepping over one the network refuses, and sending a refused GSO run again datagram by datagram.</summary>
    private unsafe int SendMessages(int depth, MultiMessageHeader* messages, int* firsts, int count, ReadOnlySpan<ReadOnlyMemory<byte>> datagrams, UdpEndpoint destination, bool segmentation, bool sticky)
    {
        int done = 0, sent = 0;
        while (done < count)
        {
            int result;
            try
            {
                result = SendMmsg(_socket.SafeHandle, messages + done, (uint)(count - done), 0);
            }
            catch (ObjectDisposedException)
            {
                return sent;
            }

            if (result > 0)
            {
                sent += firsts[done + result] - firsts[done];
                done += result;
                continue;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errors.EINTR)
            {
                continue;
            }

            int run = firsts[done + 1] - firsts[done];
            if (sticky && errno is Errors.EINVAL or Errors.EADDRNOTAVAIL or Errors.ENETUNREACH)
            {
                // The address the peer wrote to is gone (IPv6 answers EINVAL or EADDRNOTAVAIL, IPv4 ENETUNREACH for
                // a source no interface holds): let the kernel choose until a datagram arrives on it again.
                RefuseSource(destination);
                sent += SendChunk(depth + 1, datagrams[firsts[done]..], destination, segmentation && Segmentation, sticky: false);
                return sent;
            }

            if (run > 1 && errno is Errors.EIO or Errors.EINVAL or Errors.EMSGSIZE)
            {
                // EIO: the device cannot segment (no checksum offload); EINVAL/EMSGSIZE: a segment exceeds the path MTU.
                if (errno == Errors.EIO)
                {
                    Volatile.Write(ref _segmentation, false);
                }

                Interlocked.Increment(ref _segmentationFallbacks);
                sent += SendChunk(depth + 1, datagrams[firsts[done]..firsts[done + 1]], destination, segmentation: false, sticky);
            }

            done++; // unreachable, no buffer space, closed: this message is lost, as UDP allows
        }

        return sent;
    }

    /// <summary>Whether datagrams to <paramref name="destination"/> leave from the local address it carries.</summary>
    private bool IsSticky(in UdpEndpoint destination)
    {
        if (!_stickySource || !destination.HasLocalAddress || destination.IsLocalAddressIPv6 != destination.IsIPv6)
        {
            return false;
        }

        if (Volatile.Read(ref _hasRefusedSource) == 0)
        {
            return true;
        }

        lock (_refusedGate)
        {
            return _hasRefusedSource == 0 || !SameLocal(_refusedSource, destination);
        }
    }

    /// <summary>Remembers that the kernel refused <paramref name="destination"/>'s local address.</summary>
    private void RefuseSource(in UdpEndpoint destination)
    {
        lock (_refusedGate)
        {
            _refusedSource = destination;
            Volatile.Write(ref _hasRefusedSource, 1);
        }
    }

    /// <summary>Forgets a refusal once a datagram has arrived on that local address.</summary>
    private void ForgiveSource(in UdpEndpoint source)
    {
        lock (_refusedGate)
        {
            if (_hasRefusedSource != 0 && SameLocal(_refusedSource, source))
            {
                Volatile.Write(ref _hasRefusedSource, 0);
            }
        }
    }

    private static bool SameLocal(in UdpEndpoint left, in UdpEndpoint right) =>
        left.LocalInterfaceIndex == right.LocalInterfaceIndex && left.LocalAddressBytes.SequenceEqual(right.LocalAddressBytes);

    /// <summary>Writes an <c>IP_PKTINFO</c> or <c>IPV6_PKTINFO</c> control message choosing the source address the endpoint carries.</summary>
    /// <returns>The control message's space.</returns>
    private static unsafe int WritePacketInfo(byte* at, in UdpEndpoint destination)
    {
        byte* data = at + ControlMessageHeader.Size;
        if (destination.IsLocalAddressIPv6)
        {
            *(ControlMessageHeader*)at = new ControlMessageHeader { Length = (nuint)ControlMessageHeader.LengthFor(20), Level = SOL_IPV6, Type = IPV6_PKTINFO };
            destination.LocalAddressBytes.CopyTo(new Span<byte>(data, 16));
            *(int*)(data + 16) = destination.LocalInterfaceIndex; // a link-local address means nothing without its interface
            return ControlMessageHeader.Space(20);
        }

        // struct in_pktinfo: interface 0 (any: the route decides, as it would without a source), the
        // source in ipi_spec_dst, ipi_addr unused on send.
        *(ControlMessageHeader*)at = new ControlMessageHeader { Length = (nuint)ControlMessageHeader.LengthFor(12), Level = SOL_IP, Type = IP_PKTINFO };
        new Span<byte>(data, 12).Clear();
        destination.LocalAddressBytes.CopyTo(new Span<byte>(data + 4, 4));
        return ControlMessageHeader.Space(12);
    }

    /// <summary>One sending thread's message headers, vectors, control messages and pins.</summary>
    private sealed class SendScratch
    {
        public MultiMessageHeader[] Messages { get; } = GC.AllocateArray<MultiMessageHeader>(MaxBatch, pinned: true);

        public IOVector[] Vectors { get; } = GC.AllocateArray<IOVector>(MaxBatch, pinned: true);

        public byte[] Control { get; } = GC.AllocateArray<byte>(MaxBatch * SendControlStride, pinned: true);

        public byte[] Name { get; } = GC.AllocateArray<byte>(NameStride, pinned: true);

        public int[] FirstDatagram { get; } = GC.AllocateArray<int>(MaxBatch + 1, pinned: true);

        public PinnedBuffers Pins { get; } = new(MaxBatch);
    }
}
