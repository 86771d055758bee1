using System.Buffers.Binary;
using System.Security.Cryptography;
using Tunnel.Core.Crypto.Internal;
using Tunnel.Core.Messages;
using Tunnel.Core.Protocol.Internal;
using ChaCha20Poly1305 = Tunnel.Core.Crypto.ChaCha20Poly1305;

namespace Tunnel.Core.Protocol;

/// <summary>
/// The decryption of one transport message that <see cref="Device.PrepareDecapsulate"/> matched to a
/// session: the part of receiving that needs no device state, so a driver runs it on any thread.
/// <see cref="Device.CompleteDecapsulate"/> then applies the replay window, roaming and source checks in order.
/// </summary>
/// <remarks>Like <see cref="SealJob"/>, it carries its own copy of the receive key and wipes it once used.</remarks>
public struct OpenJob
{
    private Bytes32 _key;
    private readonly ulong _counter;
    private readonly int _plaintextLength;
    private readonly bool _prepared;

    internal OpenJob(in Bytes32 key, ulong counter, int plaintextLength, Keypair keypair, Peer peer)
    {
        _key = key;
        _counter = counter;
        _plaintextLength = plaintextLength;
        _prepared = true;
        Keypair = keypair;
        Peer = peer;
        LocalIndex = keypair.LocalIndex;
    }

    /// <summary>Whether <see cref="TryOpen"/> authenticated the message.</summary>
    public bool IsOpened { get; private set; }

    /// <summary>The plaintext length: the datagram's length less header and tag.</summary>
    public readonly int PlaintextLength => _plaintextLength;

    internal Keypair? Keypair { get; }

    internal Peer? Peer { get; }

    internal uint LocalIndex { get; }

    internal readonly ulong Counter => _counter;

    internal readonly bool IsPrepared => _prepared;

    /// <summary>Authenticates and decrypts the message, then wipes the key copy; a failed open zeroes the destination.</summary>
    /// <param name="datagram">The datagram given to <see cref="Device.PrepareDecapsulate"/>.</param>
    /// <param name="destination">Receives the plaintext; the datagram's bytes from offset 16 decrypt in place.</param>
    /// <returns>Whether the message is authentic.</returns>
    public bool TryOpen(ReadOnlySpan<byte> datagram, Span<byte> destination)
    {
        if (!_prepared || ((ReadOnlySpan<byte>)_key).IndexOfAnyExcept((byte)0) < 0)
        {
            return false;
        }

        ulong counter = BinaryPrimitives.ReadUInt64LittleEndian(datagram[MessageLayout.TransportCounterOffset..]);
        IsOpened = counter == _counter
            && ChaCha20Poly1305.TryDecrypt(_key, _counter, datagram[MessageLayout.TransportHeaderSize..], destination[.._plaintextLength], default);
        CryptographicOperations.ZeroMemory(_key);
        return IsOpened;
    }

    /// <summary>Wipes the key copy without opening (for a job that will not run).</summary>
    public void Clear() => CryptographicOperations.ZeroMemory(_key);
}
