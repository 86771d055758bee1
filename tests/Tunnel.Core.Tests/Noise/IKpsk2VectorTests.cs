using System.Text;
using Tunnel.Core.Crypto;
using Tunnel.Core.Noise.Internal;
using Tunnel.Core.Tests.Support;

namespace Tunnel.Core.Tests.Noise;

/// <summary>
/// The cacophony Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s vector, run unchanged: its prologue and payloads
/// go where WireGuard puts its identifier, timestamp and empty payload.
/// </summary>
public sealed class IKpsk2VectorTests
{
    [Fact]
    public void CacophonyVector_BothSides_AllSixMessages()
    {
        var v = Vectors.Json("noise-ikpsk2.json").GetProperty("vectors")[0];
        byte[] name = Encoding.ASCII.GetBytes(v.GetProperty("protocol_name").GetString()!);
        byte[] prologue = v.Hex("init_prologue"), psk = v.GetProperty("init_psks")[0].GetString() is { } p ? Convert.FromHexString(p) : [];
        byte[] initStatic = v.Hex("init_static"), initEphemeral = v.Hex("init_ephemeral");
        byte[] respStatic = v.Hex("resp_static"), respEphemeral = v.Hex("resp_ephemeral");
        var messages = v.GetProperty("messages").EnumerateArray()
            .Select(m => (Payload: m.Hex("payload"), Ciphertext: m.Hex("ciphertext"))).ToArray();
        Assert.Equal(6, messages.Length);

        byte[] initStaticPublic = PublicOf(initStatic), respStaticPublic = PublicOf(respStatic);
        Assert.Equal(v.Hex("init_remote_static"), respStaticPublic);
        var staticStatic = new byte[32];
        Assert.True(X25519.TryComputeSharedSecret(initStatic, respStaticPublic, staticStatic));

        // Message 1: initiator writes, responder reads.
        SymmetricState initiator = default, responder = default;
        IKpsk2.Initialize(ref initiator, name, prologue, respStaticPublic);
        IKpsk2.Initialize(ref responder, name, prologue, respStaticPublic);

        var body1 = new byte[IKpsk2.InitiationOverhead + messages[0].Payload.Length];
        Assert.True(IKpsk2.TryWriteInitiation(ref initiator, initEphemeral, initStaticPublic, respStaticPublic, staticStatic, messages[0].Payload, body1));
        Assert.Equal(Hex(messages[0].Ciphertext), Hex(body1));

        byte[] remoteEphemeral = new byte[32], remoteStatic = new byte[32], payload1 = new byte[messages[0].Payload.Length];
        Assert.True(IKpsk2.TryReadInitiationStatic(ref responder, respStatic, body1, remoteEphemeral, remoteStatic));
        Assert.Equal(initStaticPublic, remoteStatic);
        var responderStaticStatic = new byte[32];
        Assert.True(X25519.TryComputeSharedSecret(respStatic, remoteStatic, responderStaticStatic));
        Assert.Equal(staticStatic, responderStaticStatic);
        Assert.True(IKpsk2.TryReadInitiationPayload(ref responder, responderStaticStatic, body1, payload1));
        Assert.Equal(messages[0].Payload, payload1);

        // Message 2: responder writes, initiator reads.
        var body2 = new byte[IKpsk2.ResponseOverhead + messages[1].Payload.Length];
        Assert.True(IKpsk2.TryWriteResponse(ref responder, respEphemeral, remoteEphemeral, remoteStatic, psk, messages[1].Payload, body2));
        Assert.Equal(Hex(messages[1].Ciphertext), Hex(body2));

        var payload2 = new byte[messages[1].Payload.Length];
        Assert.True(IKpsk2.TryReadResponse(ref initiator, initEphemeral, initStatic, psk, body2, payload2));
        Assert.Equal(messages[1].Payload, payload2);

        Assert.Equal(Hex(v.Hex("handshake_hash")), Hex(initiator.Hash));
        Assert.Equal(Hex(v.Hex("handshake_hash")), Hex(responder.Hash));

        // Transport: Split gives the initiator's sending key first; each side counts its own nonces.
        byte[] initiatorSend = new byte[32], initiatorReceive = new byte[32], responderFirst = new byte[32], responderSecond = new byte[32];
        initiator.Split(initiatorSend, initiatorReceive);
        responder.Split(responderFirst, responderSecond);
        Assert.Equal(initiatorSend, responderFirst);
        Assert.Equal(initiatorReceive, responderSecond);

        for (int i = 2; i < messages.Length; i++)
        {
            bool fromInitiator = i % 2 == 0;
            ulong counter = (ulong)((i - 2) / 2);
            byte[] key = fromInitiator ? initiatorSend : initiatorReceive;
            var sealedBytes = new byte[messages[i].Payload.Length + 16];
            ChaCha20Poly1305.Encrypt(key, counter, messages[i].Payload, sealedBytes, []);
            Assert.Equal(Hex(messages[i].Ciphertext), Hex(sealedBytes));
        }
    }

    [Fact]
    public void ATamperedInitiation_FailsAtTheFieldItTouches_AndAWrongPskFailsTheResponse()
    {
        byte[] initStatic = Bytes.Pattern(32, 1), respStatic = Bytes.Pattern(32, 2), initEphemeral = Bytes.Pattern(32, 3), respEphemeral = Bytes.Pattern(32, 4);
        byte[] initPublic = PublicOf(initStatic), respPublic = PublicOf(respStatic), ss = new byte[32], psk = Bytes.Pattern(32, 5);
        Assert.True(X25519.TryComputeSharedSecret(initStatic, respPublic, ss));
        byte[] name = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"u8.ToArray(), prologue = "WireGuard v1 zx2c4 Jason@zx2c4.com"u8.ToArray();

        SymmetricState initiator = default;
        IKpsk2.Initialize(ref initiator, name, prologue, respPublic);
        var body = new byte[IKpsk2.InitiationOverhead + 12];
        Assert.True(IKpsk2.TryWriteInitiation(ref initiator, initEphemeral, initPublic, respPublic, ss, new byte[12], body));

        for (int i = 0; i < body.Length; i++)
        {
            byte[] tampered = (byte[])body.Clone();
            tampered[i] ^= 0x01;
            SymmetricState responder = default;
            IKpsk2.Initialize(ref responder, name, prologue, respPublic);
            byte[] e = new byte[32], s = new byte[32];
            bool staticOk = IKpsk2.TryReadInitiationStatic(ref responder, respStatic, tampered, e, s);
            bool payloadOk = staticOk && IKpsk2.TryReadInitiationPayload(ref responder, ss, tampered, new byte[12]);
            Assert.False(payloadOk, $"byte {i}");
            Assert.Equal(i >= 32 + 48, staticOk); // the static field authenticates bytes 0..79, the payload the rest
        }

        SymmetricState reader = default;
        IKpsk2.Initialize(ref reader, name, prologue, respPublic);
        byte[] re = new byte[32], rs = new byte[32];
        Assert.True(IKpsk2.TryReadInitiationStatic(ref reader, respStatic, body, re, rs));
        Assert.True(IKpsk2.TryReadInitiationPayload(ref reader, ss, body, new byte[12]));
        var response = new byte[IKpsk2.ResponseOverhead];
        Assert.True(IKpsk2.TryWriteResponse(ref reader, respEphemeral, re, rs, psk, [], response));

        SymmetricState wrongPsk = initiator, rightPsk = initiator;
        Assert.False(IKpsk2.TryReadResponse(ref wrongPsk, initEphemeral, initStatic, new byte[32], response, []));
        Assert.True(IKpsk2.TryReadResponse(ref rightPsk, initEphemeral, initStatic, psk, response, []));
    }

    [Fact]
    public void ASmallOrderEphemeral_IsRefused()
    {
        byte[] respStatic = Bytes.Pattern(32, 2);
        SymmetricState responder = default;
        IKpsk2.Initialize(ref responder, "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"u8, [], PublicOf(respStatic));
        var body = new byte[IKpsk2.InitiationOverhead + 12]; // an all-zero ephemeral is a small-order point
        Assert.False(IKpsk2.TryReadInitiationStatic(ref responder, respStatic, body, new byte[32], new byte[32]));
    }

    private static byte[] PublicOf(byte[] privateKey)
    {
        var publicKey = new byte[32];
        X25519.ComputePublicKey(privateKey, publicKey);
        return publicKey;
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
