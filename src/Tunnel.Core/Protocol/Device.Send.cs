using System.Buffers.Binary;
using Tunnel.Core.Messages;
using Tunnel.Core.Protocol.Internal;

namespace Tunnel.Core.Protocol;

/// <summary>The send path: cryptokey routing, staging while a handshake runs, transport sealing, and the transmit queue.</summary>
public sealed partial class Device
{
    /// <summary>
    /// Encrypts an IP packet read from the TUN device for the peer whose allowed IPs cover its destination.
    /// </summary>
    /// <param name="packet">One IPv4 or IPv6 packet, at most <see cref="Mtu"/> bytes.</param>
    /// <param name="destination">
    /// Receives the transport message: 16 + padded length + 16 bytes (<see cref="MaxDatagramSize"/> always
    /// suffices). For an in-place seal, pass a buffer whose bytes from offset 16 are <paramref name="packet"/>.
    /// </param>
    /// <param name="now">The current device time.</param>
    /// <returns>
    /// <see cref="PacketAction.WriteToNetwork"/> with the datagram's length and the peer's endpoint;
    /// <see cref="PacketAction.Queued"/> when the packet waits for a handshake; or a drop.
    /// </returns>
    public PacketResult Encapsulate(ReadOnlySpan<byte> packet, Span<byte> destination, TimeSpan now)
    {
        PacketResult result = PrepareEncapsulate(packet, destination, now, out SealJob job);
        if (result.Action == PacketAction.WriteToNetwork)
        {
            job.Seal(destination);
        }

        return result;
    }

    /// <summary>
    /// The sequential half of <see cref="Encapsulate"/>: routing, staging, the nonce, timers and counters,
    /// with the header and padded plaintext written into <paramref name="destination"/>, but not yet
    /// encrypted. Run <paramref name="job"/> (on any thread) before sending the datagram. A driver calls this
    /// in packet order under its lock and seals a batch in parallel outside it.
    /// </summary>
    /// <param name="packet">One IPv4 or IPv6 packet, at most <see cref="Mtu"/> bytes.</param>
    /// <param name="destination">As for <see cref="Encapsulate"/>; in place when the packet is at its offset 16.</param>
    /// <param name="now">The current device time.</param>
    /// <param name="job">For <see cref="PacketAction.WriteToNetwork"/>, the encryption still to run; otherwise empty.</param>
    /// <returns>As <see cref="Encapsulate"/>; the datagram is not sendable until <paramref name="job"/> has run.</returns>
    public PacketResult PrepareEncapsulate(ReadOnlySpan<byte> packet, Span<byte> destination, TimeSpan now, out SealJob job)
    {
        job = default;
        if (!HasPrivateKey)
        {
            return Drop(DropReason.NoPrivateKey); // staged, it would wait for a handshake that cannot start
        }

        if (packet.Length > _mtu)
        {
            return Drop(DropReason.TooLarge);
        }

        ReadOnlySpan<byte> address = IPPacket.Destination(packet);
        if (address.IsEmpty || !_allowedIps.TryLookup(address, out var peer))
        {
            return Drop(DropReason.NoRoute);
        }

        if (peer.Endpoint.IsEmpty)
        {
            return Drop(DropReason.NoEndpoint, peer);
        }

        Keypair? keypair = peer.CurrentKeypair;
        if (keypair is null || !keypair.CanSend(now) || peer.StagedPacketCount > 0)
        {
            // Staged packets go first, in order, once a session exists.
            if (!peer.Stage(packet, _options.StagedPacketLimit, _mtu))
            {
                _drops[(int)DropReason.QueueOverflow]++;
            }

            if (keypair is not null && keypair.CanSend(now))
            {
                QueueStagedFlush(peer);
            }
            else
            {
                QueueInitiation(peer, now, isRetry: false);
            }

            return PacketResult.Queued(peer);
        }

        if (destination.Length < SealedLength(packet.Length))
        {
            return Drop(DropReason.TooLarge, peer);
        }

        int length = PrepareSeal(peer, keypair, packet, destination, now, out job);
        KeepKeyFreshSending(peer, keypair, now);
        return PacketResult.Network(length, peer, peer.Endpoint);
    }

    /// <summary>The largest datagram the device writes: a full-MTU transport message.</summary>
    public int MaxDatagramSize => SealedLength(_mtu);

    /// <summary>
    /// Whether transmits are queued for <see cref="TryDequeueTransmit(Span{byte}, TimeSpan, out PacketResult)"/> (some may turn out to owe nothing, such
    /// as a keepalive for a peer removed since): lets a driver whose batch filled up know it must come back.
    /// </summary>
    public bool HasPendingTransmits => _transmits.Count > 0;

    /// <summary>
    /// Takes the next datagram the device owes a peer: an initiation (new, or a timer's retry), a keepalive,
    /// or a packet that waited for the handshake. Call it after every other call until it returns false.
    /// </summary>
    /// <param name="destination">Receives the datagram; <see cref="MaxDatagramSize"/> bytes suffice.</param>
    /// <param name="now">The current device time.</param>
    /// <param name="transmit">What to send, and where.</param>
    /// <returns>Whether there was a datagram to send.</returns>
    public bool TryDequeueTransmit(Span<byte> destination, TimeSpan now, out PacketResult transmit)
    {
        if (!TryDequeueTransmit(destination, now, out transmit, out SealJob job))
        {
            return false;
        }

        if (job.IsPending)
        {
            job.Seal(destination);
        }

        return true;
    }

    /// <summary>
    /// Takes the next datagram the device owes a peer, as <see cref="TryDequeueTransmit(Span{byte}, TimeSpan, out PacketResult)"/>
    /// does, but leaves the encryption of a transport message (a keepalive, a packet that waited for the
    /// handshake) to <paramref name="job"/>: its header and padded plaintext are written, and the driver seals it
    /// on any thread before sending, outside whatever serialises the device. A handshake message comes complete,
    /// with a job that is not pending.
    /// </summary>
    /// <param name="destination">Receives the datagram; <see cref="MaxDatagramSize"/> bytes suffice.</param>
    /// <param name="now">The current device time.</param>
    /// <param name="transmit">What to send, and where; its length is the sealed length.</param>
    /// <param name="job">The seal still to run on <paramref name="destination"/> (<see cref="SealJob.IsPending"/>), or an empty job.</param>
    /// <returns>Whether there was a datagram to send.</returns>
    public bool TryDequeueTransmit(Span<byte> destination, TimeSpan now, out PacketResult transmit, out SealJob job) =>
        TryDequeueTransmit(destination, now, out transmit, out job, deferInitiation: false, out _);

    /// <summary>
    /// Takes the next datagram the device owes a peer, as <see cref="TryDequeueTransmit(Span{byte}, TimeSpan, out PacketResult, out SealJob)"/>
    /// does, but leaves the Diffie-Hellman work of our own initiation to <paramref name="initiation"/> too: the
    /// device draws its ephemeral key and index and returns <see cref="PacketAction.Handshake"/>; the driver runs
    /// <see cref="HandshakeJob.Run"/> with an empty message on any thread, then calls
    /// <see cref="ContinueHandshake"/> (with an empty message and source) for the datagram, which comes only if
    /// the handshake is still that one (a configuration change or the peer's own initiation may have replaced it).
    /// </summary>
    /// <param name="destination">Receives the datagram, other than an initiation's; <see cref="MaxDatagramSize"/> bytes suffice.</param>
    /// <param name="now">The current device time.</param>
    /// <param name="transmit">What to send, and where; or <see cref="PacketAction.Handshake"/> for an initiation still to write.</param>
    /// <param name="seal">The seal still to run on <paramref name="destination"/> (<see cref="SealJob.IsPending"/>), or an empty job.</param>
    /// <param name="initiation">For <see cref="PacketAction.Handshake"/>, the initiation's work; otherwise empty.</param>
    /// <returns>Whether there was a datagram to send or an initiation to write.</returns>
    public bool TryDequeueTransmit(Span<byte> destination, TimeSpan now, out PacketResult transmit, out SealJob seal, out HandshakeJob initiation) =>
        TryDequeueTransmit(destination, now, out transmit, out seal, deferInitiation: true, out initiation);

    private bool TryDequeueTransmit(Span<byte> destination, TimeSpan now, out PacketResult transmit, out SealJob job, bool deferInitiation, out HandshakeJob initiation)
    {
        job = default;
        initiation = default;
        while (_transmits.TryDequeue(out var item))
        {
            Peer peer = item.Peer;
            if (peer.IsRemoved)
            {
                continue;
            }

            if (item.Kind == TransmitKind.Initiation && deferInitiation)
            {
                if (PrepareInitiationToSend(peer, now, ref initiation))
                {
                    transmit = PacketResult.Handshaking(peer);
                    return true;
                }

                continue;
            }

            int length = item.Kind switch
            {
                TransmitKind.Initiation => SendInitiation(peer, now, destination),
                TransmitKind.Keepalive => SendKeepalive(peer, now, destination, out job),
                _ => SendStaged(peer, now, destination, out job),
            };

            if (length > 0)
            {
                transmit = PacketResult.Network(length, peer, peer.Endpoint);
                return true;
            }
        }

        transmit = default;
        return false;
    }

    /// <summary>Our initiation in one go, its work run here: for drivers that take transmits complete.</summary>
    private int SendInitiation(Peer peer, TimeSpan now, Span<byte> destination)
    {
        HandshakeJob job = default;
        if (!PrepareInitiationToSend(peer, now, ref job))
        {
            return 0;
        }

        job.Run(default);
        PacketResult result = CompleteOwnInitiation(destination, ref job, now);
        job.Clear();
        return result.Action == PacketAction.WriteToNetwork ? result.Length : 0;
    }

    /// <summary>
    /// The part of sending our initiation that needs the device: a new ephemeral and index in the handshake, the
    /// copies the job's run needs, and the timers and counters of an initiation sent (its retry is armed now,
    /// so one that is superseded before it leaves is retried like one lost on the way).
    /// </summary>
    private bool PrepareInitiationToSend(Peer peer, TimeSpan now, ref HandshakeJob job)
    {
        peer.InitiationQueued = false;
        if (peer.Endpoint.IsEmpty || !PrepareInitiation(peer, now, ref job))
        {
            return false;
        }

        peer.HandshakeAttempts++;
        peer.OnHandshakeInitiated(now, Jitter());
        peer.OnAuthenticatedPacketTraversal(now);
        peer.OnAuthenticatedPacketSent();
        return true;
    }

    private int SendKeepalive(Peer peer, TimeSpan now, Span<byte> destination, out SealJob job)
    {
        job = default;
        peer.KeepaliveQueued = false;
        Keypair? keypair = peer.CurrentKeypair;
        if (keypair is null || !keypair.CanSend(now) || peer.Endpoint.IsEmpty)
        {
            QueueInitiation(peer, now, isRetry: false);
            return 0;
        }

        return PrepareSeal(peer, keypair, default, destination, now, out job);
    }

    private int SendStaged(Peer peer, TimeSpan now, Span<byte> destination, out SealJob job)
    {
        job = default;
        peer.FlushPending = false;
        Keypair? keypair = peer.CurrentKeypair;
        if (peer.StagedPacketCount == 0)
        {
            return 0;
        }

        if (keypair is null || !keypair.CanSend(now) || peer.Endpoint.IsEmpty)
        {
            QueueInitiation(peer, now, isRetry: false);
            return 0;
        }

        int length = PrepareSeal(peer, keypair, peer.PeekStaged(), destination, now, out job); // the packet is copied out: its slot may go
        peer.DropStaged();
        if (peer.StagedPacketCount > 0)
        {
            QueueStagedFlush(peer);
        }

        KeepKeyFreshSending(peer, keypair, now);
        return length;
    }

    /// <summary>
    /// Writes a transport message (whitepaper section 5.4.6) but its encryption: the header, then the padded
    /// packet where the seal will run in place; <paramref name="job"/> carries the encryption.
    /// </summary>
    private int PrepareSeal(Peer peer, Keypair keypair, ReadOnlySpan<byte> packet, Span<byte> destination, TimeSpan now, out SealJob job)
    {
        int padded = MessageLayout.PaddedLength(packet.Length, _mtu);
        Span<byte> payload = destination.Slice(MessageLayout.TransportHeaderSize, padded);
        packet.CopyTo(payload); // a no-op copy onto itself when the caller sealed in place
        payload[packet.Length..].Clear();

        ulong counter = keypair.SendCounter++;
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)MessageType.TransportData);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[MessageLayout.TransportReceiverOffset..], keypair.RemoteIndex);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[MessageLayout.TransportCounterOffset..], counter);
        job = new SealJob(keypair.SendKey, counter, padded);
        int length = job.Length;
        peer.TransmittedBytes += length;
        peer.OnAuthenticatedPacketTraversal(now);
        peer.OnAuthenticatedPacketSent();
        if (!packet.IsEmpty && peer.NewHandshakeAt == Peer.Never)
        {
            peer.OnDataSent(now, Jitter());
        }

        return length;
    }

    /// <summary>Rekey-After-Messages for either side, Rekey-After-Time for the initiator only (whitepaper section 6.2).</summary>
    private void KeepKeyFreshSending(Peer peer, Keypair keypair, TimeSpan now)
    {
        if (keypair.SendCounter > ProtocolTimings.RekeyAfterMessages || (keypair.IsInitiator && now - keypair.Created >= ProtocolTimings.RekeyAfterTime))
        {
            QueueInitiation(peer, now, isRetry: false);
        }
    }

    /// <summary>
    /// Queues an initiation unless one is queued or was sent less than Rekey-Timeout ago. While a series of
    /// attempts runs, only its retransmit timer sends the next one: new traffic neither restarts the count
    /// (an unanswered handshake gives up after 18 attempts) nor sends on the beat of the traffic. The timer's
    /// jitter is what separates two peers whose initiations crossed; traffic-driven retries could keep them
    /// crossing in lockstep forever (the model test found this with packets sent every whole second).
    /// </summary>
    private void QueueInitiation(Peer peer, TimeSpan now, bool isRetry)
    {
        if (!isRetry)
        {
            if (peer.RetransmitHandshakeAt != Peer.Never)
            {
                return;
            }

            peer.HandshakeAttempts = 0;
        }

        if (peer.InitiationQueued || (peer.Handshake.HasSentInitiation && now - peer.Handshake.LastInitiationSent < ProtocolTimings.RekeyTimeout))
        {
            return;
        }

        peer.InitiationQueued = true;
        _transmits.Enqueue(new TransmitItem(peer, TransmitKind.Initiation));
    }

    private void QueueKeepalive(Peer peer)
    {
        if (!peer.KeepaliveQueued)
        {
            peer.KeepaliveQueued = true;
            _transmits.Enqueue(new TransmitItem(peer, TransmitKind.Keepalive));
        }
    }

    private void QueueStagedFlush(Peer peer)
    {
        if (!peer.FlushPending)
        {
            peer.FlushPending = true;
            _transmits.Enqueue(new TransmitItem(peer, TransmitKind.StagedPacket));
        }
    }

    private int SealedLength(int packetLength) =>
        MessageLayout.TransportHeaderSize + MessageLayout.PaddedLength(packetLength, _mtu) + MessageLayout.TagSize;
}
