using System.Runtime.InteropServices;
using Tunnel.Platform.Interop.Unix;

namespace Tunnel.Platform.Interop.Darwin;

internal static partial class Interop
{
    /// <summary><c>connect(2)</c> to a kernel control: creates the utun interface of the address's unit.</summary>
    [LibraryImport(Libc, EntryPoint = "connect", SetLastError = true)]
    public static unsafe partial int Connect(SafeFileDescriptor socket, SocketAddressControl* address, uint addressLength);
}
