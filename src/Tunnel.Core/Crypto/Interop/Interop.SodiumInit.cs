using System.Runtime.InteropServices;

namespace Tunnel.Core.Crypto.Interop;

internal static partial class Libsodium
{
    [LibraryImport(LibraryName)]
    internal static partial int sodium_init();
}
