using System.Buffers.Binary;
using System.Security.Cryptography;
using Tunnel.Core.Crypto.Internal;

namespace Tunnel.Core.Crypto;

/// <summary>
/// BLAKE2s (RFC 7693), plain or keyed, with a digest of 1 to 32 bytes. WireGuard uses it as HASH
/// (32 bytes), as MAC (keyed, 16 bytes, for MAC1 and MAC2) and inside HMAC.
/// </summary>
/// <remarks>
/// <para>
/// The static <see cref="HashData(ReadOnlySpan{byte}, Span{byte})"/> overloads hash a whole message at once;
/// an instance hashes a message that arrives in pieces. Neither allocates.
/// </para>
/// <para>
/// An instance is a <see langword="ref"/> struct holding the chain value and a block buffer on the stack.
/// <see cref="Finish(Span{byte})"/> writes the digest and wipes the state, including any key material,
/// so an instance is used once.
/// </para>
/// </remarks>
public ref struct Blake2s
{
    /// <summary>The size of BLAKE2s-256's digest and the largest digest BLAKE2s produces, in bytes.</summary>
    public const int HashSize = 32;

    /// <summary>The size of the digest WireGuard's MAC1 and MAC2 use, in bytes.</summary>
    public const int MacSize = 16;

    /// <summary>The largest key BLAKE2s accepts, in bytes.</summary>
    public const int MaxKeySize = 32;

    /// <summary>The size of one compression block, in bytes.</summary>
    public const int BlockSize = 64;

    private UInt32x8 _h;
    private Bytes64 _buffer;
    private ulong _counter;
    private int _bufferLength;
    private int _hashSize;

    /// <summary>Starts an unkeyed BLAKE2s-256 hash.</summary>
    public Blake2s()
        : this(default, HashSize)
    {
    }

    /// <summary>Starts an unkeyed or keyed hash with a digest of <paramref name="hashSize"/> bytes.</summary>
    /// <param name="key">The key, 0 to <see cref="MaxKeySize"/> bytes; empty for an unkeyed hash.</param>
    /// <param name="hashSize">The digest size, 1 to <see cref="HashSize"/> bytes.</param>
    /// <exception cref="ArgumentOutOfRangeException">The key or the digest size is out of range.</exception>
    public Blake2s(scoped ReadOnlySpan<byte> key, int hashSize = HashSize)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(key.Length, MaxKeySize, nameof(key));
        ArgumentOutOfRangeException.ThrowIfLessThan(hashSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hashSize, HashSize);

        Blake2sCompression.Initialize(ref _h);

        // Parameter block (RFC 7693 section 2.5): digest length, key length, fanout 1, depth 1.
        _h[0] ^= 0x01010000u ^ ((uint)key.Length << 8) ^ (uint)hashSize;
        _hashSize = hashSize;

        if (!key.IsEmpty)
        {
            // The key, zero-padded, is the first block (section 3.3).
            key.CopyTo(_buffer);
            _bufferLength = BlockSize;
        }
    }

    /// <summary>The digest size this instance was started with, in bytes.</summary>
    public readonly int HashLength => _hashSize;

    /// <summary>Hashes <paramref name="source"/> with BLAKE2s, unkeyed.</summary>
    /// <param name="source">The message.</param>
    /// <param name="destination">Receives the digest; its length (1 to 32) is the digest size.</param>
    public static void HashData(ReadOnlySpan<byte> source, Span<byte> destination) =>
        HashData(default, source, destination);

    /// <summary>Hashes <paramref name="source"/> with keyed BLAKE2s.</summary>
    /// <param name="key">The key, 0 to 32 bytes.</param>
    /// <param name="source">The message.</param>
    /// <param name="destination">Receives the digest; its length (1 to 32) is the digest size.</param>
    public static void HashData(ReadOnlySpan<byte> key, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var hash = new Blake2s(key, destination.Length);
        hash.AppendData(source);
        hash.Finish(destination);
    }

    /// <summary>Adds <paramref name="data"/> to the message.</summary>
    /// <param name="data">The next piece of the message.</param>
    /// <exception cref="InvalidOperationException">The instance was not started, or was already finished.</exception>
    public void AppendData(scoped ReadOnlySpan<byte> data)
    {
        ThrowIfNotStarted();
        if (data.IsEmpty)
        {
            return;
        }

        // The last block must be compressed with the finalisation flag, so a full buffer is only
        // compressed once more data is known to follow it.
        int free = BlockSize - _bufferLength;
        if (data.Length > free)
        {
            data[..free].CopyTo(((Span<byte>)_buffer)[_bufferLength..]);
            data = data[free..];
            _counter += BlockSize;
            Blake2sCompression.Compress(ref _h, _buffer, _counter, isLastBlock: false);
            _bufferLength = 0;

            while (data.Length > BlockSize)
            {
                _counter += BlockSize;
                Blake2sCompression.Compress(ref _h, data, _counter, isLastBlock: false);
                data = data[BlockSize..];
            }
        }

        data.CopyTo(((Span<byte>)_buffer)[_bufferLength..]);
        _bufferLength += data.Length;
    }

    /// <summary>Writes the digest and wipes the state.</summary>
    /// <param name="destination">Receives the digest; at least <see cref="HashLength"/> bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    /// <exception cref="InvalidOperationException">The instance was not started, or was already finished.</exception>
    public void Finish(scoped Span<byte> destination)
    {
        ThrowIfNotStarted();
        if (destination.Length < _hashSize)
        {
            throw new ArgumentException($"The destination must hold at least {_hashSize} bytes.", nameof(destination));
        }

        Span<byte> buffer = _buffer;
        buffer[_bufferLength..].Clear();
        _counter += (uint)_bufferLength;
        Blake2sCompression.Compress(ref _h, buffer, _counter, isLastBlock: true);

        Span<byte> digest = stackalloc byte[HashSize];
        for (int i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(digest[(i * 4)..], _h[i]);
        }

        digest[.._hashSize].CopyTo(destination);
        CryptographicOperations.ZeroMemory(digest);
        Clear();
    }

    private void Clear()
    {
        CryptographicOperations.ZeroMemory(_buffer);
        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes((Span<uint>)_h));
        _counter = 0;
        _bufferLength = 0;
        _hashSize = 0;
    }

    private readonly void ThrowIfNotStarted()
    {
        if (_hashSize == 0)
        {
            throw new InvalidOperationException("This BLAKE2s instance was not started with a constructor, or was already finished.");
        }
    }
}
