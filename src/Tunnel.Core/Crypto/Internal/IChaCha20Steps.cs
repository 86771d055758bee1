namespace Tunnel.Core.Crypto.Internal;

/// <summary>
/// A wide ChaCha20 key-stream generator that <see cref="ManagedChaCha20Poly1305"/> runs long messages on: a
/// fixed number of blocks per call. Implemented by structs and used as a type argument, so each width gets
/// its own compiled copy of the AEAD with the calls inlined, not an interface dispatch per step.
/// </summary>
internal interface IChaCha20Steps
{
    /// <summary>Gets the bytes of key stream one call produces: a multiple of 64, at least 512.</summary>
    static abstract int ChunkSize { get; }

    /// <summary>Gets whether this CPU can run it.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>Gets whether the MAC of the messages it encrypts takes Poly1305's AVX-512 form.</summary>
    static abstract bool Poly1305Vector512 { get; }

    /// <summary>Writes <see cref="ChunkSize"/> bytes of key stream, from block <paramref name="counter"/> on, to <paramref name="keyStream"/>.</summary>
    /// <param name="key">The 32-byte key.</param>
    /// <param name="nonce">The 12-byte nonce.</param>
    /// <param name="counter">The first block's counter.</param>
    /// <param name="keyStream">Receives the key stream.</param>
    static abstract void KeyStream(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, uint counter, ref byte keyStream);

    /// <summary>XORs <paramref name="length"/> bytes of key stream into output: a multiple of 32 up to <see cref="ChunkSize"/>.</summary>
    /// <param name="keyStream">The key stream.</param>
    /// <param name="input">The data.</param>
    /// <param name="output">Receives the result; may be <paramref name="input"/>.</param>
    /// <param name="length">The bytes to XOR.</param>
    static abstract void Xor(ref byte keyStream, ref byte input, ref byte output, int length);
}
