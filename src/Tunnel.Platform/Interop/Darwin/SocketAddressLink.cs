using System.Runtime.InteropServices;

namespace Tunnel.Platform.Interop.Darwin;

/// <summary><c>struct sockaddr_dl</c> (net/if_dl.h): a link-level address, here naming an interface by index; 20 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SocketAddressLink
{
    public const int Size = 20;

    public byte Length;
    public byte Family;
    public ushort Index;
    public byte Type;
    public byte NameLength;
    public byte AddressLength;
    public byte SelectorLength;
    public fixed byte Data[12];
}
