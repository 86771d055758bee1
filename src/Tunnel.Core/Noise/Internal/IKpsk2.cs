using System.Security.Cryptography;
using Tunnel.Core.Crypto;
using Tunnel.Core.Crypto.Internal;

namespace Tunnel.Core.Noise.Internal;

/// <summary>
/// The two messages of Noise_IKpsk2 (whitepaper section 5.4.2 and 5.4.3), over the Noise part of each
/// message ("body"): the initiation's ephemeral, encrypted static and encrypted payload, and the
/// response's ephemeral and encrypted payload. The protocol name, prologue and payloads are parameters,
/// so the same code runs WireGuard (its construction, identifier, TAI64N and empty payloads) and the
/// generic Noise test vectors.
/// </summary>
/// <remarks>
/// Readers change the state as they go: callers pass a copy and keep it only on success.
/// Every method returns false, rather than throwing, on a bad tag or a small-order public key.
/// </remarks>
internal static class IKpsk2
{
    internal const int KeySize = 32;
    internal const int TagSize = 16;

    /// <summary>The initiation body without its payload: ephemeral (32), encrypted static (32 + 16), payload tag (16).</summary>
    internal const int InitiationOverhead = KeySize + KeySize + TagSize + TagSize;

    /// <summary>The response body without its payload: ephemeral (32), payload tag (16).</summary>
    internal const int ResponseOverhead = KeySize + TagSize;

    private const int StaticOffset = KeySize;
    private const int InitiationPayloadOffset = KeySize + KeySize + TagSize;

    /// <summary>Both sides: H := HASH(name) (or the padded name), C := H, then the prologue and the pre-message "&lt;- s".</summary>
    internal static void Initialize(ref SymmetricState state, ReadOnlySpan<byte> protocolName, ReadOnlySpan<byte> prologue, ReadOnlySpan<byte> responderStatic)
    {
        state.Initialize(protocolName);
        state.MixHash(prologue);
        state.MixHash(responderStatic);
    }

    /// <summary>Initiator: "-&gt; e, es, s, ss" and the payload.</summary>
    /// <param name="state">The state after <see cref="Initialize"/>.</param>
    /// <param name="ephemeralPrivate">A fresh ephemeral private key.</param>
    /// <param name="localStatic">Our static public key.</param>
    /// <param name="remoteStatic">The responder's static public key.</param>
    /// <param name="staticStatic">DH(our static private, remote static), precomputed per peer.</param>
    /// <param name="payload">The payload (WireGuard: the 12-byte TAI64N timestamp).</param>
    /// <param name="body">Receives <see cref="InitiationOverhead"/> + payload bytes.</param>
    internal static bool TryWriteInitiation(ref SymmetricState state, ReadOnlySpan<byte> ephemeralPrivate, ReadOnlySpan<byte> localStatic, ReadOnlySpan<byte> remoteStatic, ReadOnlySpan<byte> staticStatic, ReadOnlySpan<byte> payload, Span<byte> body)
    {
        Bytes32 key = default, shared = default;
        Span<byte> ephemeral = body[..KeySize];
        X25519.ComputePublicKey(ephemeralPrivate, ephemeral);
        state.MixHash(ephemeral);
        state.MixKey(ephemeral);

        bool ok = X25519.TryComputeSharedSecret(ephemeralPrivate, remoteStatic, shared);
        if (ok)
        {
            state.MixKey(shared, key);
            state.EncryptAndHash(key, localStatic, body.Slice(StaticOffset, KeySize + TagSize));
            state.MixKey(staticStatic, key);
            state.EncryptAndHash(key, payload, body.Slice(InitiationPayloadOffset, payload.Length + TagSize));
        }

        Wipe(ref key, ref shared);
        return ok;
    }

    /// <summary>Responder, first half: "e, es, s" — recovers the initiator's ephemeral and static keys.</summary>
    /// <param name="state">The state after <see cref="Initialize"/> (a copy).</param>
    /// <param name="localStaticPrivate">Our static private key.</param>
    /// <param name="body">The initiation body.</param>
    /// <param name="remoteEphemeral">Receives the initiator's ephemeral public key.</param>
    /// <param name="remoteStatic">Receives the initiator's static public key, to find the peer by.</param>
    internal static bool TryReadInitiationStatic(ref SymmetricState state, ReadOnlySpan<byte> localStaticPrivate, ReadOnlySpan<byte> body, Span<byte> remoteEphemeral, Span<byte> remoteStatic)
    {
        Bytes32 key = default, shared = default;
        ReadOnlySpan<byte> ephemeral = body[..KeySize];
        ephemeral.CopyTo(remoteEphemeral);
        state.MixHash(ephemeral);
        state.MixKey(ephemeral);

        bool ok = X25519.TryComputeSharedSecret(localStaticPrivate, ephemeral, shared);
        if (ok)
        {
            state.MixKey(shared, key);
            ok = state.DecryptAndHash(key, body.Slice(StaticOffset, KeySize + TagSize), remoteStatic);
        }

        Wipe(ref key, ref shared);
        return ok;
    }

    /// <summary>Responder, second half: "ss" and the payload, once the peer (and so DH(s, rs)) is known.</summary>
    /// <param name="state">The state after <see cref="TryReadInitiationStatic"/>.</param>
    /// <param name="staticStatic">DH(our static private, the initiator's static), precomputed per peer.</param>
    /// <param name="body">The initiation body.</param>
    /// <param name="payload">Receives the payload: body length minus <see cref="InitiationOverhead"/>.</param>
    internal static bool TryReadInitiationPayload(ref SymmetricState state, ReadOnlySpan<byte> staticStatic, ReadOnlySpan<byte> body, Span<byte> payload)
    {
        Bytes32 key = default;
        state.MixKey(staticStatic, key);
        bool ok = state.DecryptAndHash(key, body[InitiationPayloadOffset..], payload);
        CryptographicOperations.ZeroMemory(key);
        return ok;
    }

    /// <summary>Responder: "&lt;- e, ee, se, psk" and the payload.</summary>
    /// <param name="state">The state after reading the initiation.</param>
    /// <param name="ephemeralPrivate">A fresh ephemeral private key.</param>
    /// <param name="remoteEphemeral">The initiator's ephemeral public key.</param>
    /// <param name="remoteStatic">The initiator's static public key.</param>
    /// <param name="presharedKey">The peer's preshared key (32 zero bytes when none).</param>
    /// <param name="payload">The payload (WireGuard: empty).</param>
    /// <param name="body">Receives <see cref="ResponseOverhead"/> + payload bytes.</param>
    internal static bool TryWriteResponse(ref SymmetricState state, ReadOnlySpan<byte> ephemeralPrivate, ReadOnlySpan<byte> remoteEphemeral, ReadOnlySpan<byte> remoteStatic, ReadOnlySpan<byte> presharedKey, ReadOnlySpan<byte> payload, Span<byte> body)
    {
        Bytes32 key = default;
        Span<byte> ephemeral = body[..KeySize];
        X25519.ComputePublicKey(ephemeralPrivate, ephemeral);
        state.MixHash(ephemeral);
        state.MixKey(ephemeral);

        // ee = DH(e_r, e_i), se = DH(e_r, s_i).
        bool ok = TryMixResponseSecrets(ref state, ephemeralPrivate, remoteEphemeral, ephemeralPrivate, remoteStatic, presharedKey, key);
        if (ok)
        {
            state.EncryptAndHash(key, payload, body.Slice(KeySize, payload.Length + TagSize));
        }

        CryptographicOperations.ZeroMemory(key);
        return ok;
    }

    /// <summary>Initiator: reads the response.</summary>
    /// <param name="state">The state after <see cref="TryWriteInitiation"/> (a copy).</param>
    /// <param name="ephemeralPrivate">The ephemeral private key the initiation was written with.</param>
    /// <param name="localStaticPrivate">Our static private key.</param>
    /// <param name="presharedKey">The peer's preshared key (32 zero bytes when none).</param>
    /// <param name="body">The response body.</param>
    /// <param name="payload">Receives the payload: body length minus <see cref="ResponseOverhead"/>.</param>
    internal static bool TryReadResponse(ref SymmetricState state, ReadOnlySpan<byte> ephemeralPrivate, ReadOnlySpan<byte> localStaticPrivate, ReadOnlySpan<byte> presharedKey, ReadOnlySpan<byte> body, Span<byte> payload)
    {
        Bytes32 key = default;
        ReadOnlySpan<byte> ephemeral = body[..KeySize];
        state.MixHash(ephemeral);
        state.MixKey(ephemeral);

        // ee = DH(e_i, e_r), se = DH(s_i, e_r): the same secrets from the other side.
        bool ok = TryMixResponseSecrets(ref state, ephemeralPrivate, ephemeral, localStaticPrivate, ephemeral, presharedKey, key)
            && state.DecryptAndHash(key, body[KeySize..], payload);

        CryptographicOperations.ZeroMemory(key);
        return ok;
    }

    /// <summary>"ee, se, psk": mixes both DH results and the preshared key, leaving the payload key in <paramref name="key"/>.</summary>
    private static bool TryMixResponseSecrets(ref SymmetricState state, ReadOnlySpan<byte> eePrivate, ReadOnlySpan<byte> eePublic, ReadOnlySpan<byte> sePrivate, ReadOnlySpan<byte> sePublic, ReadOnlySpan<byte> presharedKey, Span<byte> key)
    {
        Bytes32 shared = default;
        bool ok = X25519.TryComputeSharedSecret(eePrivate, eePublic, shared);
        if (ok)
        {
            state.MixKey(shared);
            ok = X25519.TryComputeSharedSecret(sePrivate, sePublic, shared);
        }

        if (ok)
        {
            state.MixKey(shared);
            state.MixKeyAndHash(presharedKey, key);
        }

        CryptographicOperations.ZeroMemory(shared);
        return ok;
    }

    private static void Wipe(ref Bytes32 key, ref Bytes32 shared)
    {
        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(shared);
    }
}
