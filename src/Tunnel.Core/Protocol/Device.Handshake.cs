using System.Buffers.Binary;
using Tunnel.Core.Crypto;
using Tunnel.Core.Messages;
using Tunnel.Core.Protocol.Internal;

namespace Tunnel.Core.Protocol;

/// <summary>Creating and consuming handshake messages (whitepaper sections 5.4.2 to 5.4.4).</summary>
public sealed partial class Device
{
    private const int TimestampSize = Tai64N.Size;

    /// <summary>
    /// Starts a new initiation to <paramref name="peer"/>: replaces its handshake with a fresh ephemeral and
    /// index, and copies what writing the message needs into <paramref name="job"/>. False when none can be made.
    /// </summary>
    private bool PrepareInitiation(Peer peer, TimeSpan now, ref HandshakeJob job)
    {
        if (!peer.StaticStaticValid)
        {
            return false;
        }

        ref Handshake handshake = ref peer.Handshake;
        RemoveIndex(handshake.LocalIndex);
        handshake.Clear();
        NewEphemeralAndIndex(peer);

        // Sent, as far as the rate of initiations goes: no second one is queued while this one is written.
        handshake.LastInitiationSent = now;
        handshake.HasSentInitiation = true;

        job.Step = HandshakeJobStep.WriteInitiation;
        job.Identity = _identity;
        job.Peer = peer;
        job.LocalIndex = handshake.LocalIndex;
        job.Noise = peer.InitialState;
        ((ReadOnlySpan<byte>)handshake.LocalEphemeral).CopyTo(job.LocalEphemeral);
        PublicKey.AsSpan().CopyTo(job.LocalStaticPublic);
        peer.PublicKey.AsSpan().CopyTo(job.RemoteStatic);
        ((ReadOnlySpan<byte>)peer.StaticStatic).CopyTo(job.StaticStatic);
        job.Timestamp = Tai64N.ForHandshake(_options.WallClockAtZero + now);
        return true;
    }

    /// <summary>
    /// After our initiation's run: the message, with its MACs, if the peer's handshake is still the one the job
    /// began (no newer initiation of ours, no initiation of the peer's consumed, the peer still configured).
    /// </summary>
    private PacketResult CompleteOwnInitiation(Span<byte> destination, ref HandshakeJob job, TimeSpan now)
    {
        Peer peer = job.Peer!;
        ref Handshake handshake = ref peer.Handshake;
        if (peer.IsRemoved || handshake.State != HandshakeState.Zeroed || handshake.LocalIndex != job.LocalIndex)
        {
            return PacketResult.None(peer.IsRemoved ? null : peer);
        }

        if (!job.Succeeded || destination.Length < MessageLayout.InitiationSize || peer.Endpoint.IsEmpty)
        {
            RemoveIndex(handshake.LocalIndex);
            handshake.Clear();
            return PacketResult.None(peer);
        }

        handshake.Noise = job.Noise;
        handshake.State = HandshakeState.InitiationCreated;
        Span<byte> message = destination[..MessageLayout.InitiationSize];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)MessageType.HandshakeInitiation);
        BinaryPrimitives.WriteUInt32LittleEndian(message[MessageLayout.InitiationSenderOffset..], handshake.LocalIndex);
        ((ReadOnlySpan<byte>)job.Body).CopyTo(message[MessageLayout.InitiationBodyOffset..]);
        peer.Cookies.AddMacs(message, MessageLayout.InitiationMac1Offset, now);
        peer.TransmittedBytes += MessageLayout.InitiationSize;
        return PacketResult.Network(MessageLayout.InitiationSize, peer, peer.Endpoint);
    }

    /// <summary>Consumes a cookie reply: the peer is under load and wants MAC2 on our next handshake message.</summary>
    private PacketResult ConsumeCookieReply(ReadOnlySpan<byte> message, TimeSpan now)
    {
        uint receiver = MessageLayout.ReadReceiverIndex(message, MessageType.CookieReply);
        if (!_indices.TryGetValue(receiver, out var entry))
        {
            return Drop(DropReason.UnknownReceiver);
        }

        return entry.Peer.Cookies.TryConsumeCookieReply(message, now)
            ? PacketResult.None(entry.Peer)
            : Drop(DropReason.InvalidCookieReply, entry.Peer);
    }

    /// <summary>Split(): derives the transport keys, installs the keypair under the handshake's index, wipes the handshake.</summary>
    private void BeginSession(Peer peer, bool isInitiator, TimeSpan now)
    {
        ref Handshake handshake = ref peer.Handshake;
        Keypair keypair = peer.InstallKeypair(isInitiator);
        if (isInitiator)
        {
            handshake.Noise.Split(keypair.SendKey, keypair.ReceiveKey);
        }
        else
        {
            handshake.Noise.Split(keypair.ReceiveKey, keypair.SendKey);
        }

        keypair.IsInitiator = isInitiator;
        keypair.Created = now;
        keypair.LocalIndex = handshake.LocalIndex;
        keypair.RemoteIndex = handshake.RemoteIndex;
        _indices[keypair.LocalIndex] = new IndexEntry(peer, keypair);

        // The index now belongs to the keypair; the handshake keeps only its replay state.
        handshake.LocalIndex = 0;
        handshake.Clear();
        peer.OnSessionDerived(now);
    }

    /// <summary>A fresh ephemeral private key and a fresh receiver index for the handshake message about to be written.</summary>
    private void NewEphemeralAndIndex(Peer peer)
    {
        ref Handshake handshake = ref peer.Handshake;
        _entropy.Fill(handshake.LocalEphemeral);
        X25519.GeneratePrivateKey(handshake.LocalEphemeral, handshake.LocalEphemeral);
        handshake.LocalIndex = NewIndex(peer, keypair: null);
    }

    /// <summary>
    /// Roaming: the peer's endpoint becomes the source of its latest authenticated datagram, local part
    /// included (so replies leave from the address it wrote to); only a new remote is an event.
    /// </summary>
    private void UpdateEndpoint(Peer peer, UdpEndpoint source, TimeSpan now)
    {
        if (peer.Endpoint != source)
        {
            bool moved = !peer.Endpoint.RemoteEquals(source);
            peer.Endpoint = source;
            if (moved)
            {
                Raise(DeviceEventKind.EndpointChanged, peer, now);
            }
        }
    }
}
