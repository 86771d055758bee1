using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Unix;

namespace Tunnel.Platform.Tests.Darwin;

/// <summary>
/// A connected pair of non-blocking UNIX datagram sockets: one end stands in for a utun control socket (or a
/// routing socket), the other plays the kernel. Datagram boundaries are kept, as on utun.
/// </summary>
internal sealed partial class SocketPair : IDisposable
{
    private const int AfUnix = 1;
    private const int SockDgram = 2;
    private const int SockNonBlock = 0x800;
    private const int SockCloexec = 0x80000;

    /// <summary>Linux's EAGAIN, which the stand-in returns where utun returns Darwin's.</summary>
    public const int LinuxEagain = 11;

    private SocketPair(SafeFileDescriptor device, SafeFileDescriptor kernel)
    {
        Device = device;
        Kernel = kernel;
    }

    /// <summary>The end the code under test owns (and closes).</summary>
    public SafeFileDescriptor Device { get; }

    /// <summary>The end the test reads and writes as the kernel would.</summary>
    public SafeFileDescriptor Kernel { get; }

    public static unsafe SocketPair Create()
    {
        int* descriptors = stackalloc int[2];
        if (Native(AfUnix, SockDgram | SockNonBlock | SockCloexec, 0, descriptors) < 0)
        {
            throw new IOException($"socketpair: errno {Marshal.GetLastPInvokeError()}");
        }

        var device = new SafeFileDescriptor();
        var kernel = new SafeFileDescriptor();
        Marshal.InitHandle(device, descriptors[0]);
        Marshal.InitHandle(kernel, descriptors[1]);
        return new SocketPair(device, kernel);
    }

    /// <summary>Sends one datagram from the kernel's end.</summary>
    public unsafe void Send(ReadOnlySpan<byte> datagram)
    {
        fixed (byte* pointer = datagram)
        {
            if (Interop.Unix.Interop.Write(Kernel, pointer, (nuint)datagram.Length) != datagram.Length)
            {
                throw new IOException($"write: errno {Marshal.GetLastPInvokeError()}");
            }
        }
    }

    /// <summary>Receives one datagram at the kernel's end, or null when none is queued.</summary>
    public byte[]? Receive()
    {
        byte[] buffer = new byte[65536];
        int read = ReceiveInto(buffer);
        return read < 0 ? null : buffer[..read];
    }

    /// <summary>Receives one datagram into <paramref name="buffer"/>: its length, or -1 when none is queued.</summary>
    public unsafe int ReceiveInto(Span<byte> buffer)
    {
        fixed (byte* pointer = buffer)
        {
            return (int)Interop.Unix.Interop.Read(Kernel, pointer, (nuint)buffer.Length);
        }
    }

    public void Dispose()
    {
        Device.Dispose();
        Kernel.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    private static unsafe partial int Native(int domain, int type, int protocol, int* descriptors);
}
