using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Darwin;

/// <summary><c>struct sockaddr_ctl</c> (sys/kern_control.h): the address of a kernel control and one of its units; 32 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SocketAddressControl
{
    public const int Size = 32;

    public byte Length;
    public byte Family;

    /// <summary><c>ss_sysaddr</c>: <see cref="Interop.AF_SYS_CONTROL"/>.</summary>
    public ushort SystemAddress;
    public uint Id;

    /// <summary>The unit: utun's <c>N + 1</c> for <c>utunN</c>, or 0 for the next free one.</summary>
    public uint Unit;
    public fixed uint Reserved[5];
}
