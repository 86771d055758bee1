using System.Runtime.InteropServices;

namespace Tunnel.Core.Crypto.Interop;

internal static partial class Libsodium
{
    /// <summary>
    /// HMAC-SHA-256 with a 32-byte key. WireGuard does not use it; the benchmarks measure it beside our
    /// HMAC-BLAKE2s as libsodium's HMAC construction.
    /// </summary>
    [LibraryImport(LibraryName)]
    internal static unsafe partial int crypto_auth_hmacsha256(byte* @out, byte* @in, ulong inlen, byte* k);
}
