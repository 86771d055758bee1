using System.Security.Cryptography;
using Tunnel.Core.Crypto.Internal;
using Tunnel.Core.Messages;
using ChaCha20Poly1305 = Tunnel.Core.Crypto.ChaCha20Poly1305;

namespace Tunnel.Core.Protocol;

/// <summary>
/// The encryption of one transport message whose header, nonce and padded plaintext
/// <see cref="Device.PrepareEncapsulate"/> has already written: the part of sending that needs no device
/// state, so a driver runs it on any thread while the device goes on with the next packets.
/// </summary>
/// <remarks>
/// The job holds its own copy of the session's send key (the device recycles keypairs, so a reference
/// could change under a worker) and wipes it once used. Jobs of one peer may run in any order: each carries
/// its own counter, and the receiver's replay window takes counters out of order.
/// </remarks>
public struct SealJob
{
    private Bytes32 _key;
    private ulong _counter;
    private int _paddedLength;

    internal SealJob(in Bytes32 key, ulong counter, int paddedLength)
    {
        _key = key;
        _counter = counter;
        _paddedLength = paddedLength;
    }

    /// <summary>Whether there is anything to encrypt (false for a default job).</summary>
    public readonly bool IsPending => ((ReadOnlySpan<byte>)_key).IndexOfAnyExcept((byte)0) >= 0;

    /// <summary>The datagram's length once sealed: header, padded payload, tag.</summary>
    public readonly int Length => MessageLayout.TransportHeaderSize + _paddedLength + MessageLayout.TagSize;

    /// <summary>Encrypts the payload in place and appends the tag, then wipes the key copy.</summary>
    /// <param name="datagram">The buffer <see cref="Device.PrepareEncapsulate"/> wrote into, at least <see cref="Length"/> bytes.</param>
    /// <exception cref="InvalidOperationException">The job was already run, or is a default value.</exception>
    public void Seal(Span<byte> datagram)
    {
        if (!IsPending)
        {
            throw new InvalidOperationException("The seal job has no key: it ran already, or it was never prepared.");
        }

        Span<byte> payload = datagram.Slice(MessageLayout.TransportHeaderSize, _paddedLength + MessageLayout.TagSize);
        ChaCha20Poly1305.Encrypt(_key, _counter, payload[.._paddedLength], payload, default);
        Clear();
    }

    /// <summary>Wipes the key copy without sealing (for a job that will not run).</summary>
    public void Clear()
    {
        CryptographicOperations.ZeroMemory(_key);
        _counter = 0;
        _paddedLength = 0;
    }
}
