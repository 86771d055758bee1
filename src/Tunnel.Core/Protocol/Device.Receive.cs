using System.Buffers.Binary;
using Tunnel.Core.Messages;
using Tunnel.Core.Protocol.Internal;

namespace Tunnel.Core.Protocol;

/// <summary>The receive path: classification, the DoS defence, and transport decryption with replay and source checks.</summary>
public sealed partial class Device
{
    /// <summary>Processes one datagram received on the device's UDP socket.</summary>
    /// <param name="datagram">The UDP payload.</param>
    /// <param name="source">Where it came from.</param>
    /// <param name="destination">
    /// Receives the inner IP packet (<see cref="PacketAction.WriteToTunnel"/>) or a handshake response or
    /// cookie reply (<see cref="PacketAction.WriteToNetwork"/>). To decrypt in place, pass the datagram's
    /// bytes from offset 16.
    /// </param>
    /// <param name="now">The current device time.</param>
    /// <returns>What to do with the bytes written, or why the datagram was dropped.</returns>
    public PacketResult Decapsulate(ReadOnlySpan<byte> datagram, UdpEndpoint source, Span<byte> destination, TimeSpan now)
    {
        MessageType type = MessageLayout.Classify(datagram);
        switch (type)
        {
            case MessageType.TransportData:
                return ReceiveTransport(datagram, source, destination, now);

            case MessageType.HandshakeInitiation:
            case MessageType.HandshakeResponse:
                // One thread does every step here; a driver with a handshake worker runs the steps itself.
                PacketResult result = PrepareHandshake(datagram, source, destination, now, out HandshakeJob job);
                while (result.Action == PacketAction.Handshake)
                {
                    job.Run(datagram);
                    result = ContinueHandshake(datagram, source, destination, ref job, now);
                }

                return result;

            case MessageType.CookieReply:
                return ConsumeCookieReply(datagram, now);

            default:
                return Drop(DropReason.InvalidMessage);
        }
    }

    /// <summary>
    /// The sequential first half of <see cref="Decapsulate"/>. A transport message is matched to its session
    /// and returned as <see cref="PacketAction.Open"/> with the decryption in <paramref name="job"/>, to run on
    /// any thread and then hand to <see cref="CompleteDecapsulate"/>, in arrival order per peer; every other
    /// message is processed here in full, exactly as by <see cref="Decapsulate"/>.
    /// </summary>
    /// <param name="datagram">The UDP payload.</param>
    /// <param name="source">Where it came from.</param>
    /// <param name="destination">As for <see cref="Decapsulate"/>; a transport message's plaintext goes here once opened.</param>
    /// <param name="now">The current device time.</param>
    /// <param name="job">For <see cref="PacketAction.Open"/>, the decryption still to run; otherwise empty.</param>
    /// <returns><see cref="PacketAction.Open"/>, or the final result of a message that needs no decryption.</returns>
    public PacketResult PrepareDecapsulate(ReadOnlySpan<byte> datagram, UdpEndpoint source, Span<byte> destination, TimeSpan now, out OpenJob job)
    {
        job = default;
        return MessageLayout.Classify(datagram) == MessageType.TransportData
            ? PrepareTransport(datagram, destination.Length, now, out job)
            : Decapsulate(datagram, source, destination, now);
    }

    /// <summary>
    /// The sequential second half: the replay window, key confirmation, roaming, timers and the inner
    /// source check, for a job that <see cref="OpenJob.TryOpen"/> has run (a failed open is dropped here).
    /// </summary>
    /// <param name="datagram">The datagram given to <see cref="PrepareDecapsulate"/>.</param>
    /// <param name="source">Where it came from.</param>
    /// <param name="plaintext">The destination the job decrypted into.</param>
    /// <param name="job">The job.</param>
    /// <param name="now">The current device time.</param>
    /// <returns>As <see cref="Decapsulate"/> for a transport message.</returns>
    /// <exception cref="ArgumentException"><paramref name="job"/> was not prepared by this device.</exception>
    public PacketResult CompleteDecapsulate(ReadOnlySpan<byte> datagram, UdpEndpoint source, ReadOnlySpan<byte> plaintext, ref OpenJob job, TimeSpan now)
    {
        if (!job.IsPrepared || job.Peer is not { } peer || job.Keypair is not { } keypair)
        {
            throw new ArgumentException("The job was not prepared by PrepareDecapsulate.", nameof(job));
        }

        job.Clear();
        if (!job.IsOpened)
        {
            return Drop(DropReason.AuthenticationFailed, peer);
        }

        // Between the halves the session may have been replaced, or the peer removed: its window is not ours to mark.
        if (keypair.LocalIndex != job.LocalIndex || !peer.Holds(keypair) || peer.IsRemoved)
        {
            return Drop(DropReason.UnknownReceiver, peer);
        }

        return CompleteTransport(datagram, source, plaintext[..job.PlaintextLength], keypair, peer, job.Counter, now);
    }

    private PacketResult ReceiveTransport(ReadOnlySpan<byte> datagram, UdpEndpoint source, Span<byte> destination, TimeSpan now)
    {
        PacketResult prepared = PrepareTransport(datagram, destination.Length, now, out OpenJob job);
        if (prepared.Action != PacketAction.Open)
        {
            return prepared;
        }

        // One thread does both halves here, so the session cannot change in between.
        if (!job.TryOpen(datagram, destination))
        {
            return Drop(DropReason.AuthenticationFailed, job.Peer);
        }

        return CompleteTransport(datagram, source, destination[..job.PlaintextLength], job.Keypair!, job.Peer!, job.Counter, now);
    }

    private PacketResult PrepareTransport(ReadOnlySpan<byte> datagram, int destinationLength, TimeSpan now, out OpenJob job)
    {
        job = default;
        uint receiver = BinaryPrimitives.ReadUInt32LittleEndian(datagram[MessageLayout.TransportReceiverOffset..]);
        if (!_indices.TryGetValue(receiver, out var entry) || entry.Keypair is not { } keypair || !entry.Peer.Holds(keypair))
        {
            return Drop(DropReason.UnknownReceiver);
        }

        Peer peer = entry.Peer;
        if (now - keypair.Created >= ProtocolTimings.RejectAfterTime)
        {
            return Drop(DropReason.KeypairExpired, peer);
        }

        int plaintextLength = datagram.Length - MessageLayout.TransportHeaderSize - MessageLayout.TagSize;
        if (destinationLength < plaintextLength)
        {
            return Drop(DropReason.TooLarge, peer);
        }

        ulong counter = BinaryPrimitives.ReadUInt64LittleEndian(datagram[MessageLayout.TransportCounterOffset..]);
        job = new OpenJob(keypair.ReceiveKey, counter, plaintextLength, keypair, peer);
        return PacketResult.Opening(plaintextLength, peer);
    }

    private PacketResult CompleteTransport(ReadOnlySpan<byte> datagram, UdpEndpoint source, ReadOnlySpan<byte> plaintext, Keypair keypair, Peer peer, ulong counter, TimeSpan now)
    {
        int plaintextLength = plaintext.Length;

        // The counter is authentic only now; the replay window sees it after the tag.
        if (!keypair.Replay.TryAccept(counter, ProtocolTimings.RejectAfterMessages))
        {
            return Drop(DropReason.Replay, peer);
        }

        if (peer.ConfirmKeypair(keypair))
        {
            peer.OnHandshakeComplete(now);
            Raise(DeviceEventKind.HandshakeCompleted, peer, now);
            if (peer.StagedPacketCount > 0)
            {
                QueueStagedFlush(peer);
            }
        }

        UpdateEndpoint(peer, source, now);
        KeepKeyFreshReceiving(peer, now);
        peer.OnAuthenticatedPacketTraversal(now);
        peer.OnAuthenticatedPacketReceived();
        peer.ReceivedBytes += datagram.Length;

        if (plaintextLength == 0)
        {
            return PacketResult.None(peer); // a keepalive
        }

        peer.OnDataReceived(now);
        if (!IPPacket.TryReadIncoming(plaintext, out int length, out var innerSource))
        {
            return Drop(DropReason.InvalidInnerPacket, peer);
        }

        if (!_allowedIps.TryLookup(innerSource, out var allowed) || !ReferenceEquals(allowed, peer))
        {
            return Drop(DropReason.DisallowedSource, peer);
        }

        return PacketResult.Tunnel(length, peer);
    }

    /// <summary>
    /// An initiator whose session nears Reject-After-Time starts the next handshake when data arrives, once,
    /// so the new session is ready before the old one is refused.
    /// </summary>
    private void KeepKeyFreshReceiving(Peer peer, TimeSpan now)
    {
        Keypair? current = peer.CurrentKeypair;
        if (!peer.SentLastMinuteHandshake && current is { IsInitiator: true } && now - current.Created >= ProtocolTimings.RekeyOnReceiveAfter)
        {
            peer.SentLastMinuteHandshake = true;
            QueueInitiation(peer, now, isRetry: false);
        }
    }
}
