using System.Buffers.Binary;
using Tunnel.Core.Crypto;
using Tunnel.Core.Messages;
using Tunnel.Core.Protocol.Internal;

namespace Tunnel.Core.Protocol;

/// <summary>
/// Received handshake messages in steps, so that their Diffie-Hellman work runs outside whatever serialises
/// the device: cheap checks and copies here, the X25519 work in <see cref="HandshakeJob.Run"/>, the result
/// re-checked and applied here.
/// </summary>
public sealed partial class Device
{
    /// <summary>
    /// The first step for a received handshake initiation or response: MAC1, and under load MAC2 (a cookie
    /// reply goes into <paramref name="destination"/> instead of any Diffie-Hellman work) and the per-source
    /// rate limit. Any other message is processed in full, as by <see cref="Decapsulate"/>.
    /// </summary>
    /// <param name="message">The UDP payload.</param>
    /// <param name="source">Where it came from.</param>
    /// <param name="destination">Receives a cookie reply (<see cref="PacketAction.WriteToNetwork"/>).</param>
    /// <param name="now">The current device time.</param>
    /// <param name="job">For <see cref="PacketAction.Handshake"/>, the work to run; otherwise empty.</param>
    /// <returns><see cref="PacketAction.Handshake"/>, or the final result.</returns>
    public PacketResult PrepareHandshake(ReadOnlySpan<byte> message, UdpEndpoint source, Span<byte> destination, TimeSpan now, out HandshakeJob job)
    {
        job = default;
        MessageType type = MessageLayout.Classify(message);
        if (type is not (MessageType.HandshakeInitiation or MessageType.HandshakeResponse))
        {
            return Decapsulate(message, source, destination, now);
        }

        if (!HasPrivateKey)
        {
            return Drop(DropReason.NoPrivateKey); // nothing can be answered without an identity
        }

        int mac1Offset = type == MessageType.HandshakeInitiation ? MessageLayout.InitiationMac1Offset : MessageLayout.ResponseMac1Offset;
        if (!_cookieChecker.CheckMac1(message, mac1Offset))
        {
            return Drop(DropReason.InvalidMac1);
        }

        if (IsUnderLoad(now))
        {
            Span<byte> cookieSource = stackalloc byte[18];
            cookieSource = cookieSource[..source.WriteCookieSource(cookieSource)];
            if (!_cookieChecker.CheckMac2(message, mac1Offset + MessageLayout.MacSize, cookieSource, now))
            {
                // No DH work for an unproven source: answer with a cookie to prove its address with.
                _drops[(int)DropReason.InvalidMac2]++;
                if (destination.Length < MessageLayout.CookieReplySize)
                {
                    return PacketResult.Dropped(DropReason.InvalidMac2);
                }

                uint sender = BinaryPrimitives.ReadUInt32LittleEndian(message[4..]);
                _cookieChecker.WriteCookieReply(message, mac1Offset, sender, cookieSource, now, destination);
                return PacketResult.Network(MessageLayout.CookieReplySize, null, source);
            }

            if (!_rateLimiter.Allow(source.AddressBytes, now))
            {
                return Drop(DropReason.RateLimited);
            }
        }

        return type == MessageType.HandshakeInitiation
            ? PrepareInitiation(ref job)
            : PrepareResponse(message, ref job);
    }

    /// <summary>
    /// The next step after <see cref="HandshakeJob.Run"/>: checks the job's result against the device as it is
    /// now and either prepares the next run (<see cref="PacketAction.Handshake"/> again) or applies the result:
    /// a response to send for an initiation, a session for a response, our own initiation to send (to the
    /// peer's endpoint) for the job of a dequeued transmit. The job is wiped once final.
    /// </summary>
    /// <param name="message">The message given to <see cref="PrepareHandshake"/>; empty for our own initiation.</param>
    /// <param name="source">Where it came from; empty for our own initiation.</param>
    /// <param name="destination">Receives the handshake response, or our initiation (<see cref="PacketAction.WriteToNetwork"/>).</param>
    /// <param name="job">The job, after <see cref="HandshakeJob.Run"/>.</param>
    /// <param name="now">The current device time.</param>
    /// <returns><see cref="PacketAction.Handshake"/> when the job has more to run, or the final result.</returns>
    /// <exception cref="ArgumentException">The job has not been run, or was not prepared by this device.</exception>
    public PacketResult ContinueHandshake(ReadOnlySpan<byte> message, UdpEndpoint source, Span<byte> destination, ref HandshakeJob job, TimeSpan now)
    {
        if (job.Step is not (HandshakeJobStep.InitiationRead or HandshakeJobStep.ResponseWritten or HandshakeJobStep.ResponseRead or HandshakeJobStep.InitiationWritten)
            || (job.Peer is { } owner && !ReferenceEquals(owner.Device, this)))
        {
            throw new ArgumentException("The job was not prepared by this device, or has not been run.", nameof(job));
        }

        PacketResult result;
        if (job.Identity != _identity)
        {
            // The private key changed since the job was prepared: its work was done under the old identity.
            result = Drop(DropReason.HandshakeFailed);
        }
        else
        {
            result = job.Step switch
            {
                HandshakeJobStep.InitiationRead => ResolveInitiation(message, ref job, now),
                HandshakeJobStep.ResponseWritten => CompleteInitiation(source, destination, ref job, now),
                HandshakeJobStep.InitiationWritten => CompleteOwnInitiation(destination, ref job, now),
                _ => CompleteResponse(message, source, ref job, now),
            };
        }

        if (result.Action != PacketAction.Handshake)
        {
            job.Clear();
        }

        return result;
    }

    private PacketResult PrepareInitiation(ref HandshakeJob job)
    {
        job.Step = HandshakeJobStep.ReadInitiation;
        job.Identity = _identity;
        job.Noise = _initialState;
        _privateKey.AsSpan().CopyTo(job.LocalStatic);
        return PacketResult.Handshaking();
    }

    private PacketResult PrepareResponse(ReadOnlySpan<byte> message, ref HandshakeJob job)
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

        job.Step = HandshakeJobStep.ReadResponse;
        job.Identity = _identity;
        job.Peer = peer;
        job.LocalIndex = receiver;
        job.Noise = handshake.Noise;
        ((ReadOnlySpan<byte>)handshake.LocalEphemeral).CopyTo(job.LocalEphemeral);
        _privateKey.AsSpan().CopyTo(job.LocalStatic);
        peer.PresharedKeyValue.AsSpan().CopyTo(job.PresharedKey);
        return PacketResult.Handshaking(peer);
    }

    /// <summary>After the first run of an initiation: the peer by its static key, the timestamp, then the response's ephemeral.</summary>
    private PacketResult ResolveInitiation(ReadOnlySpan<byte> message, ref HandshakeJob job, TimeSpan now)
    {
        if (!job.Succeeded
            || !_peers.TryGetValue(new PublicKey(job.RemoteStatic), out var peer)
            || !peer.StaticStaticValid)
        {
            return Drop(DropReason.HandshakeFailed);
        }

        Span<byte> timestampBytes = stackalloc byte[TimestampSize];
        ReadOnlySpan<byte> body = message.Slice(MessageLayout.InitiationBodyOffset, MessageLayout.InitiationBodySize);
        if (!Noise.Internal.IKpsk2.TryReadInitiationPayload(ref job.Noise, peer.StaticStatic, body, timestampBytes) || !Tai64N.TryRead(timestampBytes, out var timestamp))
        {
            return Drop(DropReason.HandshakeFailed, peer);
        }

        PacketResult refused = CheckInitiationFreshness(peer, timestamp, now);
        if (refused.Action == PacketAction.Drop)
        {
            return refused;
        }

        job.Peer = peer;
        job.Timestamp = timestamp;
        job.RemoteIndex = BinaryPrimitives.ReadUInt32LittleEndian(message[MessageLayout.InitiationSenderOffset..]);
        peer.PresharedKeyValue.AsSpan().CopyTo(job.PresharedKey);
        _entropy.Fill(job.LocalEphemeral);
        X25519.GeneratePrivateKey(job.LocalEphemeral, job.LocalEphemeral);
        job.Step = HandshakeJobStep.WriteResponse;
        return PacketResult.Handshaking(peer);
    }

    /// <summary>After the response is written: the initiation is accepted only now, if it is still the freshest, and the session begins.</summary>
    private PacketResult CompleteInitiation(UdpEndpoint source, Span<byte> destination, ref HandshakeJob job, TimeSpan now)
    {
        Peer peer = job.Peer!;
        if (!job.Succeeded || peer.IsRemoved)
        {
            return Drop(DropReason.HandshakeFailed, peer.IsRemoved ? null : peer);
        }

        // Another initiation from this peer may have been applied while this one ran.
        PacketResult refused = CheckInitiationFreshness(peer, job.Timestamp, now);
        if (refused.Action == PacketAction.Drop)
        {
            return refused;
        }

        if (destination.Length < MessageLayout.ResponseSize)
        {
            return Drop(DropReason.TooLarge, peer);
        }

        ref Handshake handshake = ref peer.Handshake;
        RemoveIndex(handshake.LocalIndex);
        handshake.Clear();
        handshake.Noise = job.Noise;
        ((ReadOnlySpan<byte>)job.RemoteEphemeral).CopyTo(handshake.RemoteEphemeral);
        handshake.RemoteIndex = job.RemoteIndex;
        handshake.LastTimestamp = job.Timestamp;
        handshake.LastInitiationConsumed = now;
        handshake.HasConsumedInitiation = true;
        handshake.State = HandshakeState.InitiationConsumed;

        peer.ReceivedBytes += MessageLayout.InitiationSize;
        UpdateEndpoint(peer, source, now);
        peer.OnAuthenticatedPacketTraversal(now);
        peer.OnAuthenticatedPacketReceived();

        handshake.LocalIndex = NewIndex(peer, keypair: null);
        Span<byte> response = destination[..MessageLayout.ResponseSize];
        BinaryPrimitives.WriteUInt32LittleEndian(response, (uint)MessageType.HandshakeResponse);
        BinaryPrimitives.WriteUInt32LittleEndian(response[MessageLayout.ResponseSenderOffset..], handshake.LocalIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(response[MessageLayout.ResponseReceiverOffset..], handshake.RemoteIndex);
        ((ReadOnlySpan<byte>)job.ResponseEphemeral).CopyTo(response[MessageLayout.ResponseBodyOffset..]);
        ((ReadOnlySpan<byte>)job.ResponseTag).CopyTo(response[(MessageLayout.ResponseBodyOffset + 32)..]);
        peer.Cookies.AddMacs(response, MessageLayout.ResponseMac1Offset, now);
        BeginSession(peer, isInitiator: false, now);

        peer.TransmittedBytes += MessageLayout.ResponseSize;
        peer.OnAuthenticatedPacketTraversal(now);
        peer.OnAuthenticatedPacketSent();
        return PacketResult.Network(MessageLayout.ResponseSize, peer, source);
    }

    /// <summary>After a response is read: applied only if our initiation is still the one it answers; the initiator's session starts here.</summary>
    private PacketResult CompleteResponse(ReadOnlySpan<byte> message, UdpEndpoint source, ref HandshakeJob job, TimeSpan now)
    {
        Peer peer = job.Peer!;
        ref Handshake handshake = ref peer.Handshake;
        if (peer.IsRemoved || handshake.State != HandshakeState.InitiationCreated || handshake.LocalIndex != job.LocalIndex)
        {
            return Drop(DropReason.UnknownReceiver, peer.IsRemoved ? null : peer);
        }

        if (!job.Succeeded)
        {
            return Drop(DropReason.HandshakeFailed, peer);
        }

        handshake.Noise = job.Noise;
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

    /// <summary>An initiation must carry a newer timestamp than the last one accepted, and come at most once per 20 ms.</summary>
    private PacketResult CheckInitiationFreshness(Peer peer, Tai64N timestamp, TimeSpan now)
    {
        ref Handshake handshake = ref peer.Handshake;
        if (timestamp <= handshake.LastTimestamp)
        {
            return Drop(DropReason.StaleTimestamp, peer);
        }

        if (handshake.HasConsumedInitiation && now - handshake.LastInitiationConsumed <= ProtocolTimings.HandshakeInitiationRate)
        {
            return Drop(DropReason.HandshakeFlood, peer);
        }

        return PacketResult.None(peer);
    }
}
