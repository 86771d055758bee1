using System.Runtime.InteropServices;

namespace Tunnel.Core.Crypto.Interop;

internal static partial class Libsodium
{
    /// <summary>X25519 with the base point: q = n * 9.</summary>
    [LibraryImport(LibraryName)]
    internal static unsafe partial int crypto_scalarmult_base(byte* q, byte* n);
}
