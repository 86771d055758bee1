using System.Security.Cryptography;
using Tunnel.Core.Crypto.Internal;
using Tunnel.Core.Messages;
using Tunnel.Core.Noise.Internal;
using Tunnel.Core.Protocol.Internal;

namespace Tunnel.Core.Protocol;

/// <summary>
/// The Diffie-Hellman work of one handshake message, split from the device state so a driver runs it on a
/// handshake worker without holding the device's lock (as wireguard-go's handshake queue does). For a
/// received message, <see cref="Device.PrepareHandshake"/> checks the MACs and the load and copies what the
/// work needs into the job; for our own initiation,
/// <see cref="Device.TryDequeueTransmit(Span{byte}, TimeSpan, out PacketResult, out SealJob, out HandshakeJob)"/>
/// draws its ephemeral and index. <see cref="Run"/> does the work on any thread;
/// <see cref="Device.ContinueHandshake"/> checks the result against the device and either asks for another
/// <see cref="Run"/> or gives the final result.
/// </summary>
/// <remarks>
/// <para>
/// A received initiation takes two runs: the first recovers the initiator's static key (one X25519), after which the
/// device finds the peer, checks the timestamp and draws the response's ephemeral key; the second writes the
/// response (three X25519). A response takes one run (two X25519), and so does our own initiation (the
/// ephemeral's public key and one X25519; the static-static one is the peer's, computed once). The device re-checks everything it relied
/// on before it applies a result, so a job that raced a configuration change, a newer initiation or our own
/// new handshake is dropped, never applied to the wrong state.
/// </para>
/// <para>
/// The job holds copies of secret material (the static private key, an ephemeral, the chaining key) and
/// wipes them when the device finishes with it; <see cref="Clear"/> wipes a job that is abandoned.
/// </para>
/// </remarks>
public struct HandshakeJob
{
    internal HandshakeJobStep Step;
    internal bool Succeeded;
    internal long Identity;
    internal SymmetricState Noise;
    internal Bytes32 LocalStatic;
    internal Bytes32 LocalEphemeral;
    internal Bytes32 RemoteEphemeral;
    internal Bytes32 RemoteStatic;
    internal Bytes32 PresharedKey;
    internal Bytes32 ResponseEphemeral;
    internal Bytes16 ResponseTag;
    internal Crypto.Tai64N Timestamp;
    internal uint LocalIndex;
    internal uint RemoteIndex;
    internal Peer? Peer;
    internal Bytes32 LocalStaticPublic;
    internal Bytes32 StaticStatic;
    internal InitiationBody Body;

    /// <summary>Whether the job has work for <see cref="Run"/>.</summary>
    public readonly bool IsPending => Step is HandshakeJobStep.ReadInitiation or HandshakeJobStep.WriteResponse or HandshakeJobStep.ReadResponse or HandshakeJobStep.WriteInitiation;

    /// <summary>Runs the job's Diffie-Hellman work. It reads only the job and <paramref name="message"/>, so any thread may run it.</summary>
    /// <param name="message">The handshake message given to <see cref="Device.PrepareHandshake"/>, unchanged; empty for our own initiation.</param>
    public void Run(ReadOnlySpan<byte> message)
    {
        switch (Step)
        {
            case HandshakeJobStep.ReadInitiation when message.Length == MessageLayout.InitiationSize:
                Succeeded = IKpsk2.TryReadInitiationStatic(ref Noise, LocalStatic, message.Slice(MessageLayout.InitiationBodyOffset, MessageLayout.InitiationBodySize), RemoteEphemeral, RemoteStatic);
                break;

            case HandshakeJobStep.WriteResponse:
                Span<byte> body = stackalloc byte[MessageLayout.ResponseBodySize];
                Succeeded = IKpsk2.TryWriteResponse(ref Noise, LocalEphemeral, RemoteEphemeral, RemoteStatic, PresharedKey, default, body);
                body[..32].CopyTo(ResponseEphemeral);
                body[32..].CopyTo(ResponseTag);
                CryptographicOperations.ZeroMemory(LocalEphemeral);
                break;

            case HandshakeJobStep.ReadResponse when message.Length == MessageLayout.ResponseSize:
                Succeeded = IKpsk2.TryReadResponse(ref Noise, LocalEphemeral, LocalStatic, PresharedKey, message.Slice(MessageLayout.ResponseBodyOffset, MessageLayout.ResponseBodySize), default);
                break;

            case HandshakeJobStep.WriteInitiation:
                Span<byte> timestamp = stackalloc byte[Crypto.Tai64N.Size];
                Timestamp.WriteTo(timestamp);
                Succeeded = IKpsk2.TryWriteInitiation(ref Noise, LocalEphemeral, LocalStaticPublic, RemoteStatic, StaticStatic, timestamp, Body);
                // The handshake keeps its own copy of the ephemeral for the response; these are done with.
                CryptographicOperations.ZeroMemory(LocalEphemeral);
                CryptographicOperations.ZeroMemory(StaticStatic);
                break;

            default:
                Succeeded = false;
                break;
        }

        // The static key is needed by exactly one run of each kind; it does not wait in the job any longer.
        CryptographicOperations.ZeroMemory(LocalStatic);
        Step = Step switch
        {
            HandshakeJobStep.ReadInitiation => HandshakeJobStep.InitiationRead,
            HandshakeJobStep.WriteResponse => HandshakeJobStep.ResponseWritten,
            HandshakeJobStep.ReadResponse => HandshakeJobStep.ResponseRead,
            HandshakeJobStep.WriteInitiation => HandshakeJobStep.InitiationWritten,
            _ => HandshakeJobStep.None,
        };
    }

    /// <summary>Wipes every secret the job holds and empties it (for a job that will not be continued).</summary>
    public void Clear()
    {
        Noise.Clear();
        CryptographicOperations.ZeroMemory(LocalStatic);
        CryptographicOperations.ZeroMemory(LocalEphemeral);
        CryptographicOperations.ZeroMemory(RemoteEphemeral);
        CryptographicOperations.ZeroMemory(RemoteStatic);
        CryptographicOperations.ZeroMemory(PresharedKey);
        CryptographicOperations.ZeroMemory(StaticStatic);
        this = default;
    }
}

/// <summary>An initiation's encrypted body ("e, es, s, ss" and the timestamp), as a job carries it from its run to the device.</summary>
[System.Runtime.CompilerServices.InlineArray(MessageLayout.InitiationBodySize)]
internal struct InitiationBody
{
    private byte _element0;
}
