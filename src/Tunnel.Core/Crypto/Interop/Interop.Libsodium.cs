namespace Tunnel.Core.Crypto.Interop;

/// <summary>
/// libsodium's pure functions, the core's one native dependency. The native library itself comes with the
/// NSec.Cryptography package, which ships it for every runtime identifier.
/// </summary>
internal static partial class Libsodium
{
    internal const string LibraryName = "libsodium";

    /// <summary>
    /// Runs <c>sodium_init</c> exactly once. It must precede any other call: it is what selects the
    /// CPU-specific ChaCha20, Poly1305 and Curve25519 implementations, without which libsodium stays on
    /// its portable reference code.
    /// </summary>
    internal static void EnsureInitialized() => _ = Initialization.Result;

    private static class Initialization
    {
        internal static readonly int Result = Initialize();

        private static int Initialize()
        {
            int result;
            try
            {
                result = sodium_init();
            }
            catch (DllNotFoundException e)
            {
                throw new PlatformNotSupportedException(
                    "The native library 'libsodium' was not found. It ships in the NSec.Cryptography package's runtimes/<rid>/native folder; make sure the application is published for a runtime that package supports.",
                    e);
            }

            // 0: initialised now; 1: already initialised (by NSec, say); -1: failure.
            if (result < 0)
            {
                throw new InvalidOperationException("libsodium's sodium_init() failed.");
            }

            return result;
        }
    }
}
