using Tunnel.Core.Crypto;
using Tunnel.Core.Tests.Support;

namespace Tunnel.Core.Tests.Crypto;

/// <summary>Every primitive runs on the hot path of a handshake or a packet: none may allocate.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void Blake2s_AndMac_AndHmac_AndKdf_AllocateNothing()
    {
        byte[] key = Bytes.Pattern(32), message = Bytes.Pattern(148), output = new byte[32], output2 = new byte[32], output3 = new byte[32];
        Assert.Equal(0, Allocations.Fewest(() => Blake2s.HashData(message, output)));
        Assert.Equal(0, Allocations.Fewest(() => Blake2s.HashData(key, message, output.AsSpan(0, 16))));
        Assert.Equal(0, Allocations.Fewest(() =>
        {
            var hash = new Blake2s();
            hash.AppendData(message.AsSpan(0, 50));
            hash.AppendData(message.AsSpan(50));
            hash.Finish(output);
        }));
        Assert.Equal(0, Allocations.Fewest(() => HmacBlake2s.HashData(key, message, output)));
        Assert.Equal(0, Allocations.Fewest(() => Kdf.Derive(key, message.AsSpan(0, 32), output, output2, output3)));
    }

    [Fact]
    public void X25519_AllocatesNothing()
    {
        byte[] privateKey = Bytes.Pattern(32, 1), publicKey = new byte[32], secret = new byte[32];
        X25519.ComputePublicKey(privateKey, publicKey);
        Assert.Equal(0, Allocations.Fewest(() => X25519.ComputePublicKey(privateKey, publicKey)));
        Assert.Equal(0, Allocations.Fewest(() => X25519.TryComputeSharedSecret(privateKey, publicKey, secret)));
    }

    [Fact]
    public void Aeads_AllocateNothing_InPlaceOrNot()
    {
        byte[] key = Bytes.Pattern(32, 2), nonce24 = Bytes.Pattern(24, 3), plaintext = Bytes.Pattern(1420, 4);
        var packet = new byte[1420 + 16];
        Assert.Equal(0, Allocations.Fewest(() => ChaCha20Poly1305.Encrypt(key, 1, plaintext, packet, [])));
        Assert.Equal(0, Allocations.Fewest(() => ChaCha20Poly1305.TryDecrypt(key, 1, packet, plaintext, [])));
        Assert.Equal(0, Allocations.Fewest(() =>
        {
            ChaCha20Poly1305.Encrypt(key, 2, packet.AsSpan(0, 1420), packet, []);
            ChaCha20Poly1305.TryDecrypt(key, 2, packet, packet.AsSpan(0, 1420), []);
        }));
        Assert.Equal(0, Allocations.Fewest(() => XChaCha20Poly1305.Encrypt(key, nonce24, plaintext.AsSpan(0, 16), packet.AsSpan(0, 32), plaintext.AsSpan(0, 16))));
    }

    [Fact]
    public void KeysAndTimestamps_AllocateNothing_OutsideTheirStringForms()
    {
        const string Base64 = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
        var encoded = new byte[12];
        var now = DateTimeOffset.UnixEpoch.AddDays(20000);
        Assert.Equal(0, Allocations.Fewest(() => Assert.True(PublicKey.TryParse(Base64, out _))));
        Assert.Equal(0, Allocations.Fewest(() => Assert.True(PrivateKey.TryParse(Base64, out _))));
        Assert.Equal(0, Allocations.Fewest(() => Tai64N.ForHandshake(now).WriteTo(encoded)));
        Assert.Equal(0, Allocations.Fewest(() => Tai64N.TryRead(encoded, out _)));
    }
}
