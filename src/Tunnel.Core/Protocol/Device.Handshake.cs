using System.Buffers.Binary;
using Tunnel.Core.Crypto;
using Tunnel.Core.Crypto.Internal;
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

    /// <summary>Consumes an initiation whose MACs have been checked and answers it with a response in <paramref name="destination"/>.</summary>
    private PacketResult ConsumeInitiation(ReadOnlySpan<byte> message, UdpEndpoint source, Span<byte> destination, TimeSpan now)
    {
        if (destination.Length < MessageLayout.ResponseSize)
        {
            return Drop(DropReason.TooLarge);
        }

        ReadOnlySpan<byte> body = message.Slice(MessageLayout.InitiationBodyOffset, MessageLayout.InitiationBodySize);
        SymmetricState state = _initialState;
        Bytes32 remoteEphemeral = default, remoteStatic = default;
        if (!IKpsk2.TryReadInitiationStatic(ref state, _privateKey.AsSpan(), body, remoteEphemeral, remoteStatic))
        {
            return Drop(DropReason.HandshakeFailed);
        }

        if (!_peers.TryGetValue(new PublicKey(remoteStatic), out var peer) || !peer.StaticStaticValid)
        {
            return Drop(DropReason.HandshakeFailed);
        }

        Span<byte> timestampBytes = stackalloc byte[TimestampSize];
        if (!IKpsk2.TryReadInitiationPayload(ref state, peer.StaticStatic, body, timestampBytes) || !Tai64N.TryRead(timestampBytes, out var timestamp))
        {
            return Drop(DropReason.HandshakeFailed, peer);
        }

        ref Handshake handshake = ref peer.Handshake;
        if (timestamp <= handshake.LastTimestamp)
        {
            return Drop(DropReason.StaleTimestamp, peer);
        }

        if (handshake.HasConsumedInitiation && now - handshake.LastInitiationConsumed <= ProtocolTimings.HandshakeInitiationRate)
        {
            return Drop(DropReason.HandshakeFlood, peer);
        }

        // Authenticated and fresh: only now does the handshake change.
        RemoveIndex(handshake.LocalIndex);
        handshake.Clear();
        handshake.Noise = state;
        handshake.RemoteEphemeral = remoteEphemeral;
        handshake.RemoteIndex = BinaryPrimitives.ReadUInt32LittleEndian(message[MessageLayout.InitiationSenderOffset..]);
        handshake.LastTimestamp = timestamp;
        handshake.LastInitiationConsumed = now;
        handshake.HasConsumedInitiation = true;
        handshake.State = HandshakeState.InitiationConsumed;

        peer.ReceivedBytes += message.Length;
        UpdateEndpoint(peer, source, now);
        peer.OnAuthenticatedPacketTraversal(now);
        peer.OnAuthenticatedPacketReceived();

        int length = CreateResponse(peer, now, destination);
        if (length == 0)
        {
            return Drop(DropReason.HandshakeFailed, peer);
        }

        peer.TransmittedBytes += length;
        peer.OnAuthenticatedPacketTraversal(now);
        peer.OnAuthenticatedPacketSent();
        return PacketResult.Network(length, peer, source);
    }

    /// <summary>Writes the response to a consumed initiation and derives the responder's keypair ("next" until confirmed).</summary>
    private int CreateResponse(Peer peer, TimeSpan now, Span<byte> destination)
    {
        ref Handshake handshake = ref peer.Handshake;
        NewEphemeralAndIndex(peer);

        Span<byte> message = destination[..MessageLayout.ResponseSize];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)MessageType.HandshakeResponse);
        BinaryPrimitives.WriteUInt32LittleEndian(message[MessageLayout.ResponseSenderOffset..], handshake.LocalIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(message[MessageLayout.ResponseReceiverOffset..], handshake.RemoteIndex);
        if (!IKpsk2.TryWriteResponse(ref handshake.Noise, handshake.LocalEphemeral, handshake.RemoteEphemeral, peer.PublicKey.AsSpan(), peer.PresharedKeyValue.AsSpan(), default, message.Slice(MessageLayout.ResponseBodyOffset, MessageLayout.ResponseBodySize)))
        {
            RemoveIndex(handshake.LocalIndex);
            handshake.Clear();
            return 0;
        }

        peer.Cookies.AddMacs(message, MessageLayout.ResponseMac1Offset, now);
        BeginSession(peer, isInitiator: false, now);
        return MessageLayout.ResponseSize;
    }

    /// <summary>Consumes a response to our initiation: the initiator's session starts here.</summary>
    private PacketResult ConsumeResponse(ReadOnlySpan<byte> message, UdpEndpoint source, TimeSpan now)
    {
        uint receiver = BinaryPrimitives.ReadUInt32LittleEndian(message[MessageLayout.ResponseReceiverOffset..]);
        if (!_indices.TryGetValue(receiver, out var entry) || entry.Keypair is not null)
        {
            return Drop(DropReason.UnknownReceiver);
        }

        Peer peer = entry.Peer;
        ref Handshake handshake = ref peer.Handshake;
        if (handshake.State != HandshakeState.InitiationCreated || handshake.LocalIndex != receiver)
        {
            return Drop(DropReason.UnknownReceiver, peer);
        }

        SymmetricState state = handshake.Noise;
        if (!IKpsk2.TryReadResponse(ref state, handshake.LocalEphemeral, _privateKey.AsSpan(), peer.PresharedKeyValue.AsSpan(), message.Slice(MessageLayout.ResponseBodyOffset, MessageLayout.ResponseBodySize), default))
        {
            return Drop(DropReason.HandshakeFailed, peer);
        }

        handshake.Noise = state;
        handshake.RemoteIndex = BinaryPrimitives.ReadUInt32LittleEndian(message[MessageLayout.ResponseSenderOffset..]);
        peer.ReceivedBytes += message.Length;
        UpdateEndpoint(peer, source, now);
        peer.OnAuthenticatedPacketTraversal(now);
        peer.OnAuthenticatedPacketReceived();
        BeginSession(peer, isInitiator: true, now);
        peer.OnHandshakeComplete(now);
        Raise(DeviceEventKind.HandshakeCompleted, peer, now);

        // Our first transport message confirms the session to the responder: staged data if any, else a keepalive.
        if (peer.StagedPacketCount > 0)
        {
            QueueStagedFlush(peer);
        }
        else
        {
            QueueKeepalive(peer);
        }

        return PacketResult.None(peer);
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

    private void UpdateEndpoint(Peer peer, UdpEndpoint source, TimeSpan now)
    {
        if (peer.Endpoint != source)
        {
            peer.Endpoint = source;
            Raise(DeviceEventKind.EndpointChanged, peer, now);
        }
    }
}
