using System.Security.Cryptography;
using Tunnel.Core.Crypto;
using Tunnel.Core.Crypto.Internal;
using Tunnel.Core.Messages;

namespace Tunnel.Core.Cookies;

/// <summary>
/// The sending side of WireGuard's DoS defence, one per peer: stamps MAC1 (keyed by the peer's public key)
/// on every handshake message we send, MAC2 while we hold a cookie younger than two minutes, and accepts
/// the peer's cookie replies to the last message we stamped.
/// </summary>
internal struct CookieGenerator
{
    private Bytes32 _mac1Key;
    private Bytes32 _cookieKey;
    private Bytes16 _lastMac1;
    private Bytes16 _cookie;
    private TimeSpan _cookieReceived;
    private bool _hasLastMac1;
    private bool _hasCookie;

    internal CookieGenerator(in PublicKey peerPublic)
    {
        CookieLabels.DeriveKey(CookieLabels.Mac1, peerPublic.AsSpan(), _mac1Key);
        CookieLabels.DeriveKey(CookieLabels.Cookie, peerPublic.AsSpan(), _cookieKey);
    }

    /// <summary>Writes MAC1, and MAC2 (or zeros without a fresh cookie), into a handshake message we are about to send.</summary>
    internal void AddMacs(Span<byte> message, int mac1Offset, TimeSpan now)
    {
        int mac2Offset = mac1Offset + MessageLayout.MacSize;
        Span<byte> mac1 = message.Slice(mac1Offset, MessageLayout.MacSize);
        Blake2s.HashData(_mac1Key, message[..mac1Offset], mac1);
        mac1.CopyTo(_lastMac1);
        _hasLastMac1 = true;

        Span<byte> mac2 = message.Slice(mac2Offset, MessageLayout.MacSize);
        if (_hasCookie && now - _cookieReceived < CookieLabels.RefreshTime)
        {
            Blake2s.HashData(_cookie, message[..mac2Offset], mac2);
        }
        else
        {
            mac2.Clear();
        }
    }

    /// <summary>
    /// Decrypts a cookie reply addressed to the last message we stamped and keeps its cookie for MAC2.
    /// Returns false for a reply that does not authenticate against that message.
    /// </summary>
    internal bool TryConsumeCookieReply(ReadOnlySpan<byte> reply, TimeSpan now)
    {
        if (!_hasLastMac1)
        {
            return false;
        }

        Span<byte> cookie = stackalloc byte[MessageLayout.MacSize];
        bool ok = XChaCha20Poly1305.TryDecrypt(
            _cookieKey,
            reply.Slice(MessageLayout.CookieReplyNonceOffset, XChaCha20Poly1305.NonceSize),
            reply.Slice(MessageLayout.CookieReplyCookieOffset, MessageLayout.MacSize + MessageLayout.TagSize),
            cookie,
            _lastMac1);
        if (ok)
        {
            cookie.CopyTo(_cookie);
            _cookieReceived = now;
            _hasCookie = true;
        }

        CryptographicOperations.ZeroMemory(cookie);
        return ok;
    }

    /// <summary>Forgets the cookie and the keys, as when the peer is removed.</summary>
    internal void Clear()
    {
        CryptographicOperations.ZeroMemory(_mac1Key);
        CryptographicOperations.ZeroMemory(_cookieKey);
        CryptographicOperations.ZeroMemory(_cookie);
        _hasCookie = false;
        _hasLastMac1 = false;
    }
}
