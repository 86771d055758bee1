using Tunnel.Core.Crypto;
using Tunnel.Core.Tests.Support;

namespace Tunnel.Core.Tests.Crypto;

public sealed class XChaCha20Poly1305Tests
{
    [Fact]
    public void KnownAnswers_EncryptAndDecrypt()
    {
        int count = 0;
        foreach (var v in Vectors.Json("xchacha20poly1305.json").EnumerateArray())
        {
            byte[] key = v.Hex("key"), nonce = v.Hex("nonce"), aad = v.Hex("aad"), plaintext = v.Hex("plaintext");
            byte[] expected = [.. v.Hex("ciphertext"), .. v.Hex("tag")];

            var sealedBytes = new byte[plaintext.Length + 16];
            XChaCha20Poly1305.Encrypt(key, nonce, plaintext, sealedBytes, aad);
            Assert.Equal(expected, sealedBytes);

            var opened = new byte[plaintext.Length];
            Assert.True(XChaCha20Poly1305.TryDecrypt(key, nonce, expected, opened, aad));
            Assert.Equal(plaintext, opened);
            count++;
        }

        Assert.Equal(5, count);
    }

    [Fact]
    public void CookieReplyShape_RoundTripsInPlace_AndRejectsEveryFlippedBit()
    {
        // A cookie reply encrypts a 16-byte cookie with the initiation's MAC1 as associated data.
        byte[] key = Bytes.Pattern(32, 1), nonce = Bytes.Pattern(24, 2), mac1 = Bytes.Pattern(16, 3), cookie = Bytes.Pattern(16, 4);
        var sealedBytes = new byte[32];
        cookie.CopyTo(sealedBytes, 0);
        XChaCha20Poly1305.Encrypt(key, nonce, sealedBytes.AsSpan(0, 16), sealedBytes, mac1);

        for (int bit = 0; bit < (sealedBytes.Length + mac1.Length + nonce.Length) * 8; bit++)
        {
            byte[] c = (byte[])sealedBytes.Clone(), a = (byte[])mac1.Clone(), n = (byte[])nonce.Clone();
            int i = bit / 8;
            byte mask = (byte)(1 << (bit % 8));
            if (i < c.Length)
            {
                c[i] ^= mask;
            }
            else if (i < c.Length + a.Length)
            {
                a[i - c.Length] ^= mask;
            }
            else
            {
                n[i - c.Length - a.Length] ^= mask;
            }

            Assert.False(XChaCha20Poly1305.TryDecrypt(key, n, c, new byte[16], a), $"bit {bit}");
        }

        Assert.True(XChaCha20Poly1305.TryDecrypt(key, nonce, sealedBytes, sealedBytes.AsSpan(0, 16), mac1));
        Assert.Equal(cookie, sealedBytes[..16]);
    }

    [Fact]
    public void TwelveByteNonce_Throws() =>
        Assert.Throws<ArgumentException>(() => XChaCha20Poly1305.Encrypt(new byte[32], new byte[12], new byte[1], new byte[17], []));
}
