using System.Runtime.InteropServices;

namespace Tunnel.Core.Crypto.Interop;

internal static partial class Libsodium
{
    /// <summary>
    /// BLAKE2b. WireGuard does not use it; the benchmarks measure it beside our BLAKE2s as the nearest
    /// hash libsodium offers (libsodium has no BLAKE2s).
    /// </summary>
    [LibraryImport(LibraryName)]
    internal static unsafe partial int crypto_generichash(byte* @out, nuint outlen, byte* @in, ulong inlen, byte* key, nuint keylen);
}
