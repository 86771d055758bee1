using System.Security.Cryptography;
using Tunnel.Core.Crypto;
using Tunnel.Core.Crypto.Internal;
using Tunnel.Core.Messages;

namespace Tunnel.Core.Cookies;

/// <summary>
/// The receiving side of WireGuard's DoS defence (whitepaper section 5.3): checks MAC1 on every handshake
/// message addressed to us, and under load checks MAC2 against a cookie bound to the sender's address and
/// port, answering messages without a valid MAC2 with a cookie reply instead of doing any DH.
/// </summary>
/// <remarks>Not thread-safe: the device serialises handshake processing.</remarks>
internal sealed class CookieChecker
{
    private readonly IEntropySource _entropy;
    private Bytes32 _mac1Key;
    private Bytes32 _cookieKey;
    private Bytes32 _secret;
    private TimeSpan _secretCreated;
    private bool _hasSecret;

    internal CookieChecker(in PublicKey localPublic, IEntropySource entropy)
    {
        _entropy = entropy;
        CookieLabels.DeriveKey(CookieLabels.Mac1, localPublic.AsSpan(), _mac1Key);
        CookieLabels.DeriveKey(CookieLabels.Cookie, localPublic.AsSpan(), _cookieKey);
    }

    /// <summary>Whether a handshake message's MAC1 is MAC(HASH(LABEL-MAC1 || our public key), message up to MAC1).</summary>
    internal bool CheckMac1(ReadOnlySpan<byte> message, int mac1Offset)
    {
        Span<byte> expected = stackalloc byte[MessageLayout.MacSize];
        Blake2s.HashData(_mac1Key, message[..mac1Offset], expected);
        return CryptographicOperations.FixedTimeEquals(expected, message.Slice(mac1Offset, MessageLayout.MacSize));
    }

    /// <summary>
    /// Whether a handshake message carries the MAC2 of the cookie we would give <paramref name="source"/>
    /// now. With no secret, or one older than two minutes, no MAC2 is valid: the sender must ask again.
    /// </summary>
    internal bool CheckMac2(ReadOnlySpan<byte> message, int mac2Offset, ReadOnlySpan<byte> source, TimeSpan now)
    {
        if (!_hasSecret || now - _secretCreated > CookieLabels.RefreshTime)
        {
            return false;
        }

        // A sender without a cookie writes MAC2 as zeros (whitepaper 5.4.4): every flooded initiation does, and
        // checking it would cost two keyed hashes per message for a match with odds of 2^-128. MAC2 is public,
        // so the early answer tells nothing about the secret.
        if (!message.Slice(mac2Offset, MessageLayout.MacSize).ContainsAnyExcept((byte)0))
        {
            return false;
        }

        Span<byte> cookie = stackalloc byte[MessageLayout.MacSize];
        Span<byte> expected = stackalloc byte[MessageLayout.MacSize];
        Blake2s.HashData(_secret, source, cookie);
        Blake2s.HashData(cookie, message[..mac2Offset], expected);
        return CryptographicOperations.FixedTimeEquals(expected, message.Slice(mac2Offset, MessageLayout.MacSize));
    }

    /// <summary>
    /// Writes the cookie reply to a handshake message from <paramref name="source"/>: the cookie
    /// τ = MAC(Rm, source), encrypted under HASH(LABEL-COOKIE || our public key) with a random 24-byte nonce
    /// and the message's MAC1 as associated data. Rotates the secret Rm every two minutes.
    /// </summary>
    internal void WriteCookieReply(ReadOnlySpan<byte> message, int mac1Offset, uint senderIndex, ReadOnlySpan<byte> source, TimeSpan now, Span<byte> reply)
    {
        if (!_hasSecret || now - _secretCreated > CookieLabels.RefreshTime)
        {
            _entropy.Fill(_secret);
            _secretCreated = now;
            _hasSecret = true;
        }

        reply = reply[..MessageLayout.CookieReplySize];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(reply, (uint)MessageType.CookieReply);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(reply[MessageLayout.CookieReplyReceiverOffset..], senderIndex);
        Span<byte> nonce = reply.Slice(MessageLayout.CookieReplyNonceOffset, XChaCha20Poly1305.NonceSize);
        _entropy.Fill(nonce);

        Span<byte> cookie = stackalloc byte[MessageLayout.MacSize];
        Blake2s.HashData(_secret, source, cookie);
        XChaCha20Poly1305.Encrypt(_cookieKey, nonce, cookie, reply[MessageLayout.CookieReplyCookieOffset..], message.Slice(mac1Offset, MessageLayout.MacSize));
        CryptographicOperations.ZeroMemory(cookie);
    }
}
