using System.Runtime.InteropServices;

namespace Tunnel.Core.Crypto.Interop;

internal static partial class Libsodium
{
    /// <summary>X25519: q = n * p. Returns -1 when p has small order or the result is all zeros.</summary>
    [LibraryImport(LibraryName)]
    internal static unsafe partial int crypto_scalarmult(byte* q, byte* n, byte* p);
}
