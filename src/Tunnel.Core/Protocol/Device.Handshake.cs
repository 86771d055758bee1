using System.Buffers.Binary;
using Tunnel.Core.Crypto;
using Tunnel.Core.Messages;
using Tunnel.Core.Noise.Internal;
using Tunnel.Core.Protocol.Internal;

namespace Tunnel.Core.Protocol;

/// <summary>Creating and consuming handshake messages (whitepaper sections 5.4.2 to 5.4.4).</summary>
public sealed partial class Device
{
    private const int TimestampSize = Tai64N.Size;

    /// <summary>Writes a new initiation to <paramref name="peer"/>; returns its length, or 0 when none can be made.</summary>
    private int CreateInitiation(Peer peer, TimeSpan now, Span<byte> destination)
    {
        if (!peer.StaticStaticValid || destination.Length < MessageLayout.InitiationSize)
        {
            return 0;
        }

        ref Handshake handshake = ref peer.Handshake;
        RemoveIndex(handshake.LocalIndex);
        handshake.Clear();
        handshake.Noise = peer.InitialState;
        NewEphemeralAndIndex(peer);

        Span<byte> message = destination[..MessageLayout.InitiationSize];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)MessageType.HandshakeInitiation);
        BinaryPrimitives.WriteUInt32LittleEndian(message[MessageLayout.InitiationSenderOffset..], handshake.LocalIndex);
        Span<byte> timestamp = stackalloc byte[TimestampSize];
        Tai64N.ForHandshake(_options.WallClockAtZero + now).WriteTo(timestamp);
        if (!IKpsk2.TryWriteInitiation(ref handshake.Noise, handshake.LocalEphemeral, PublicKey.AsSpan(), peer.PublicKey.AsSpan(), peer.StaticStatic, timestamp, message.Slice(MessageLayout.InitiationBodyOffset, MessageLayout.InitiationBodySize)))
        {
            RemoveIndex(handshake.LocalIndex);
            handshake.Clear();
            return 0;
        }

        peer.Cookies.AddMacs(message, MessageLayout.InitiationMac1Offset, now);
        handshake.State = HandshakeState.InitiationCreated;
        handshake.LastInitiationSent = now;
        handshake.HasSentInitiation = true;
        return MessageLayout.InitiationSize;
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
