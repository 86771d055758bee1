using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Net.Packets;
using Tunnel.Net.Tcp;

namespace Tunnel.Net.Tests.Tcp;

/// <summary>
/// The sans-IO TCP between two stacks over a simulated link in simulated time: the handshake, transfers both ways,
/// orderly and half closes, refusals and resets, and over a lossy, duplicating, reordering link every byte delivered
/// once and in order; retransmission, fast retransmit, zero windows and the backlog as the RFCs have them.
/// </summary>
public sealed class TcpConnectionTests
{
    private const ushort Port = 80;
    private static readonly TimeSpan Minutes = TimeSpan.FromMinutes(10);

    [Fact]
    public void AHandshake_AndATransferEachWay_AndAnOrderlyClose()
    {
        var network = new SimulatedNetwork(1);
        var listener = new TestListener();
        Assert.True(network.B.Listen(Port, listener));

        TcpConnection client = Connect(network);
        Assert.True(network.RunUntil(() => client.State == TcpState.Established && listener.Accepted.Count == 1, Minutes));
        TcpConnection server = listener.Accepted[0];

        byte[] request = RandomBytes(2, 5000), response = RandomBytes(3, 70000);
        Assert.Equal(request, Transfer(network, client, server, request));
        Assert.Equal(response, Transfer(network, server, client, response));

        client.Shutdown();
        network.A.Pump(client, network.Now);
        Assert.True(network.RunUntil(() => server.ReadCompleted, Minutes));
        server.Shutdown();
        network.B.Pump(server, network.Now);
        Assert.True(network.RunUntil(() => server.State == TcpState.Closed && client.State == TcpState.TimeWait, Minutes));
        Assert.Equal(TcpConnectionError.None, server.Error);

        // TIME-WAIT lasts its 60 s, then the connection is gone from the stack.
        Assert.True(network.RunUntil(() => network.A.TcpConnectionCount == 0 && network.B.TcpConnectionCount == 0, TimeSpan.FromSeconds(61)));
        Assert.Equal(TcpConnectionError.None, client.Error);
    }

    [Property(MaxTest = 100)]
    public Property OverALossyDuplicatingReorderingLink_EveryByteArrivesOnceAndInOrder(int seed, byte lossPercent, byte duplicatePercent, byte reorderPercent, ushort kilobytes)
    {
        double loss = lossPercent % 21 / 100.0, duplicate = duplicatePercent % 11 / 100.0, reorder = reorderPercent % 31 / 100.0;
        int size = kilobytes % 400 * 1024 + seed % 1000 + 1000;
        var network = new SimulatedNetwork(seed, loss, duplicate, reorder);
        var listener = new TestListener();
        network.B.Listen(Port, listener);
        TcpConnection client = Connect(network);
        bool connected = network.RunUntil(() => listener.Accepted.Count == 1 && client.State == TcpState.Established, Minutes);
        if (!connected)
        {
            return (client.Error != TcpConnectionError.None).Label($"no connection and no reason (state {client.State})");
        }

        byte[] data = RandomBytes(seed, size);
        byte[] received = Transfer(network, client, listener.Accepted[0], data);
        return received.AsSpan().SequenceEqual(data)
            .Label($"{received.Length} of {data.Length} bytes, loss {loss}, duplicate {duplicate}, reorder {reorder}, client {client.State} {client.Error}");
    }

    [Fact]
    public void ConnectingToAPortNobodyListensOn_IsRefused()
    {
        var network = new SimulatedNetwork(4);
        TcpConnection client = Connect(network);

        Assert.True(network.RunUntil(() => client.State == TcpState.Closed, Minutes));
        Assert.Equal(TcpConnectionError.Refused, client.Error);
        Assert.Equal(1, network.B.Dropped(PacketDropReason.NoListener));
    }

    [Fact]
    public void ADeadPath_TimesOutAfterTheRetransmissions_WithTheTimeoutDoublingEachTime()
    {
        var network = new SimulatedNetwork(5, tcp: new TcpSettings { MaxRetransmissions = 5 });
        var listener = new TestListener();
        network.B.Listen(Port, listener);
        TcpConnection client = Connect(network);
        Assert.True(network.RunUntil(() => client.State == TcpState.Established && listener.Accepted.Count == 1, Minutes));

        network.Loss = 1; // the path goes dark
        Assert.Equal(100, client.Write(new byte[100]));
        var timeouts = new List<TimeSpan>();
        long start = network.Now;
        network.A.Pump(client, network.Now);
        while (client.State != TcpState.Closed && network.Step(network.Now + Minutes.Ticks))
        {
            if (timeouts.Count == 0 || timeouts[^1] != client.RetransmissionTimeout)
            {
                timeouts.Add(client.RetransmissionTimeout);
            }
        }

        Assert.Equal(TcpConnectionError.TimedOut, client.Error);
        for (int i = 1; i < timeouts.Count; i++)
        {
            Assert.Equal(timeouts[i - 1] * 2, timeouts[i]); // RFC 6298 section 5.5
        }

        Assert.True(timeouts.Count >= 5, $"{timeouts.Count} timeouts");
        Assert.True(network.Now - start < TimeSpan.FromMinutes(2).Ticks);
    }

    [Fact]
    public void OneLostSegment_IsResentOnThreeDuplicateAcks_WellBeforeTheTimeout()
    {
        var network = new SimulatedNetwork(6, delay: TimeSpan.FromMilliseconds(5));
        var listener = new TestListener();
        network.B.Listen(Port, listener);
        TcpConnection client = Connect(network);
        Assert.True(network.RunUntil(() => client.State == TcpState.Established && listener.Accepted.Count == 1, Minutes));
        TcpConnection server = listener.Accepted[0];
        Assert.Equal(40000, Transfer(network, client, server, new byte[40000]).Length); // a round-trip sample: RTO near its 200 ms floor

        // The third segment of the next burst is lost; the ones after it make duplicate ACKs.
        byte[] data = RandomBytes(7, 14000);
        client.Write(data);
        network.A.Pump(client, network.Now);
        var buffer = new byte[2000];
        int dropped = 0;
        while (network.A.Outbound.Count > 0)
        {
            int length = network.A.Outbound.Dequeue(buffer);
            if (++dropped != 3)
            {
                network.B.Deliver(buffer.AsSpan(0, length), network.Now);
            }
        }

        // The server's ACKs for the segments after the hole carry SACK blocks that start where the hole ends.
        bool sackSeen = false;
        var ack = new byte[2000];
        int ackLength;
        while ((ackLength = network.B.Outbound.Dequeue(ack)) > 0)
        {
            Assert.True(IPPacket.TryParse(ack.AsSpan(0, ackLength), out IPPacket ackPacket, out _));
            Assert.True(TcpSegment.TryRead(ackPacket, out TcpSegment ackSegment, out _));
            if (!ackSegment.SackBlocks.IsEmpty)
            {
                uint left = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(ackSegment.SackBlocks);
                uint right = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(ackSegment.SackBlocks[4..]);
                sackSeen |= left == ackSegment.Acknowledgment + (uint)client.SendMss && SequenceNumber.After(right, left);
            }

            network.A.Deliver(ack.AsSpan(0, ackLength), network.Now);
        }

        long lossAt = network.Now;
        var received = new List<byte>();
        var chunk = new byte[65536];
        Assert.True(network.RunUntil(() =>
        {
            int read = server.Read(chunk);
            received.AddRange(chunk.AsSpan(0, read));
            return received.Count == data.Length;
        }, Minutes));

        Assert.Equal(data, received);
        Assert.True(sackSeen, "no ACK carried a SACK block for the data after the hole");
        Assert.True(network.Now - lossAt < client.RetransmissionTimeout.Ticks, $"recovered after {TimeSpan.FromTicks(network.Now - lossAt).TotalMilliseconds} ms, RTO {client.RetransmissionTimeout.TotalMilliseconds} ms");
    }

    [Fact]
    public void AReceiverThatDoesNotRead_ClosesTheWindow_AndTheSenderProbesUntilItOpens()
    {
        var settings = new TcpSettings { ReceiveBufferSize = 16 * 1024, SendBufferSize = 64 * 1024 };
        var network = new SimulatedNetwork(8, tcp: settings);
        var listener = new TestListener();
        network.B.Listen(Port, listener);
        TcpConnection client = Connect(network);
        Assert.True(network.RunUntil(() => client.State == TcpState.Established && listener.Accepted.Count == 1, Minutes));
        TcpConnection server = listener.Accepted[0];

        byte[] data = RandomBytes(9, 40000);
        Assert.Equal(40000, client.Write(data));
        network.A.Pump(client, network.Now);
        network.RunUntil(() => false, TimeSpan.FromSeconds(30)); // nobody reads for 30 s
        Assert.Equal(16 * 1024, server.Readable);
        Assert.Equal(0u, client.PeerWindow);
        Assert.Equal(TcpState.Established, client.State); // probing kept it alive

        var received = new List<byte>();
        var chunk = new byte[4096];
        Assert.True(network.RunUntil(() =>
        {
            int read = server.Read(chunk);
            received.AddRange(chunk.AsSpan(0, read));
            if (read > 0)
            {
                network.B.Pump(server, network.Now); // the window update
            }

            return received.Count == data.Length;
        }, Minutes));
        Assert.Equal(data, received);
    }

    [Fact]
    public void AHalfClose_LetsThePeerKeepSending()
    {
        var network = new SimulatedNetwork(10);
        var listener = new TestListener();
        network.B.Listen(Port, listener);
        TcpConnection client = Connect(network);
        Assert.True(network.RunUntil(() => client.State == TcpState.Established && listener.Accepted.Count == 1, Minutes));
        TcpConnection server = listener.Accepted[0];

        client.Shutdown();
        network.A.Pump(client, network.Now);
        Assert.True(network.RunUntil(() => server.ReadCompleted && client.State == TcpState.FinWait2, Minutes));
        Assert.Equal(TcpState.CloseWait, server.State);
        Assert.Equal(0, client.Write(new byte[10])); // our side is closed

        byte[] late = RandomBytes(11, 30000);
        Assert.Equal(late, Transfer(network, server, client, late));
    }

    [Fact]
    public void AResetAtTheWrongSequence_EarnsAChallengeAck_AndOnlyAnExactOneResets()
    {
        var network = new SimulatedNetwork(12);
        var listener = new TestListener();
        network.B.Listen(Port, listener);
        TcpConnection client = Connect(network);
        Assert.True(network.RunUntil(() => client.State == TcpState.Established && listener.Accepted.Count == 1, Minutes));
        TcpConnection server = listener.Accepted[0];
        network.RunUntil(() => false, TimeSpan.FromSeconds(1));

        // The server's own last ACK tells where the client's next sequence number is; a blind attacker guesses near it.
        uint next = NextSequenceFrom(network, client, server);
        network.B.Deliver(Segment(network, client, next + 1000, TcpFlags.Rst), network.Now);
        Assert.Equal(TcpState.Established, server.State);
        var buffer = new byte[2000];
        int length = network.B.Outbound.Dequeue(buffer); // the challenge ACK
        Assert.True(IPPacket.TryParse(buffer.AsSpan(0, Math.Max(length, 0)), out IPPacket packet, out _));
        Assert.True(TcpSegment.TryRead(packet, out TcpSegment challenge, out _));
        Assert.Equal(TcpFlags.Ack, challenge.Flags);
        Assert.Equal(next, challenge.Acknowledgment);

        network.B.Deliver(Segment(network, client, next, TcpFlags.Rst), network.Now);
        Assert.Equal(TcpState.Closed, server.State);
        Assert.Equal(TcpConnectionError.Reset, server.Error);
    }

    [Fact]
    public void AFloodOfSyns_IsHeldToTheBacklog()
    {
        var network = new SimulatedNetwork(13);
        var listener = new TestListener(backlog: 4);
        network.B.Listen(Port, listener);

        for (ushort port = 1000; port < 1100; port++)
        {
            network.B.Deliver(Syn(port), network.Now);
        }

        Assert.Equal(4, network.B.TcpConnectionCount);
        Assert.Equal(96, network.B.Dropped(PacketDropReason.QueueFull));

        // Unanswered, the half-open ones give up, and the backlog has room again.
        network.B.Outbound.Dequeue(new byte[2000]);
        Assert.True(network.RunUntil(() => network.B.TcpConnectionCount == 0, Minutes));
        Assert.True(listener.CanAccept);
    }

    [Fact]
    public void BothSidesOfferWindowScaling_SoTheWindowExceeds64KiB()
    {
        var network = new SimulatedNetwork(14);
        var listener = new TestListener();
        network.B.Listen(Port, listener);
        TcpConnection client = Connect(network);
        Assert.True(network.RunUntil(() => client.State == TcpState.Established && listener.Accepted.Count == 1, Minutes));
        Transfer(network, listener.Accepted[0], client, new byte[1000]); // an ACK after the handshake carries a scaled window

        Assert.True(client.PeerWindow > ushort.MaxValue, $"{client.PeerWindow}");
        Assert.Equal(1420 - 40, client.SendMss);
    }

    [Fact]
    public void ALinkWithASmallerMtu_IsFoundByFragmentationNeeded_AndTheTransferGoesOnInSmallerSegments()
    {
        var network = new SimulatedNetwork(16) { LinkMtu = 1300 };
        var listener = new TestListener();
        network.B.Listen(Port, listener);
        TcpConnection client = Connect(network);
        Assert.True(network.RunUntil(() => client.State == TcpState.Established && listener.Accepted.Count == 1, Minutes));

        byte[] data = RandomBytes(17, 200_000);
        Assert.Equal(data, Transfer(network, client, listener.Accepted[0], data));

        Assert.Equal(1300 - 40, client.SendMss);
        Assert.True(network.TooBigSent > 0);
    }

    [Fact]
    public void AFragmentationNeededQuotingNoSequenceInFlight_IsNotBelieved()
    {
        var network = new SimulatedNetwork(18);
        var listener = new TestListener();
        network.B.Listen(Port, listener);
        TcpConnection client = Connect(network);
        Assert.True(network.RunUntil(() => client.State == TcpState.Established && listener.Accepted.Count == 1, Minutes));

        Assert.False(client.OnPathMtu(600, 12345)); // a blind guess: nothing in flight
        Assert.Equal(1380, client.SendMss);
    }

    [Fact]
    public void KeepAlive_ProbesAnIdleConnection_KeepsItWhileAnswered_AndEndsItWhenThePeerIsGone()
    {
        var settings = new TcpSettings { KeepAliveIdle = TimeSpan.FromSeconds(10), KeepAliveInterval = TimeSpan.FromSeconds(1), KeepAliveProbes = 3 };
        var network = new SimulatedNetwork(19, tcp: settings);
        var listener = new TestListener();
        network.B.Listen(Port, listener);
        TcpConnection client = Connect(network);
        Assert.True(network.RunUntil(() => client.State == TcpState.Established && listener.Accepted.Count == 1, Minutes));

        long carried = network.PacketsCarried;
        network.RunUntil(() => false, TimeSpan.FromSeconds(9));
        Assert.Equal(carried, network.PacketsCarried); // idle for less than 10 s: no probe yet
        network.RunUntil(() => false, TimeSpan.FromSeconds(60));
        Assert.True(network.PacketsCarried > carried); // probed, and answered
        Assert.Equal(TcpState.Established, client.State);

        network.Loss = 1; // the peer is gone
        long goneAt = network.Now;
        Assert.True(network.RunUntil(() => client.State == TcpState.Closed, Minutes));
        Assert.Equal(TcpConnectionError.TimedOut, client.Error);
        Assert.True(network.Now - goneAt <= TimeSpan.FromSeconds(10 + 3 + 2).Ticks, $"{TimeSpan.FromTicks(network.Now - goneAt).TotalSeconds} s");
    }

    [Fact]
    public void WithNagle_ASmallWrite_WaitsForTheOutstandingOneToBeAcknowledged()
    {
        var network = new SimulatedNetwork(20, tcp: new TcpSettings { NoDelay = false });
        var listener = new TestListener();
        network.B.Listen(Port, listener);
        TcpConnection client = Connect(network);
        Assert.True(network.RunUntil(() => client.State == TcpState.Established && listener.Accepted.Count == 1, Minutes));
        network.Collect();

        client.Write(new byte[10]);
        network.A.Pump(client, network.Now);
        Assert.Equal(1, network.A.Outbound.Count); // nothing outstanding: it goes at once
        client.Write(new byte[10]);
        network.A.Pump(client, network.Now);
        Assert.Equal(1, network.A.Outbound.Count); // held while the first is unacknowledged

        var read = new byte[100];
        int total = 0;
        Assert.True(network.RunUntil(() =>
        {
            total += listener.Accepted[0].Read(read);
            return total == 20 && client.AllAcknowledged; // the held bytes went once the first were acknowledged
        }, Minutes));
    }

    [Fact]
    public void ASimultaneousClose_PassesThroughClosing_AndBothEndsFinish()
    {
        var network = new SimulatedNetwork(21);
        var listener = new TestListener();
        network.B.Listen(Port, listener);
        TcpConnection client = Connect(network);
        Assert.True(network.RunUntil(() => client.State == TcpState.Established && listener.Accepted.Count == 1, Minutes));
        TcpConnection server = listener.Accepted[0];

        client.Shutdown();
        server.Shutdown();
        network.A.Pump(client, network.Now);
        network.B.Pump(server, network.Now);
        Assert.Equal(TcpState.FinWait1, client.State);
        Assert.Equal(TcpState.FinWait1, server.State);

        Assert.True(network.RunUntil(() => client.State == TcpState.TimeWait && server.State == TcpState.TimeWait, Minutes)); // each through CLOSING
        Assert.True(network.RunUntil(() => network.A.TcpConnectionCount == 0 && network.B.TcpConnectionCount == 0, TimeSpan.FromSeconds(61)));
        Assert.Equal(TcpConnectionError.None, client.Error);
        Assert.Equal(TcpConnectionError.None, server.Error);
    }

    [Fact]
    public void ARetransmissionTimeout_CutsTheCongestionWindowToOneSegment()
    {
        var network = new SimulatedNetwork(22);
        var listener = new TestListener();
        network.B.Listen(Port, listener);
        TcpConnection client = Connect(network);
        Assert.True(network.RunUntil(() => client.State == TcpState.Established && listener.Accepted.Count == 1, Minutes));
        Transfer(network, client, listener.Accepted[0], new byte[200_000]);
        Assert.True(client.CongestionWindow > 10 * client.SendMss, $"{client.CongestionWindow}"); // grown by slow start

        network.Loss = 1;
        client.Write(new byte[50_000]);
        network.A.Pump(client, network.Now);
        TimeSpan first = client.RetransmissionTimeout;
        Assert.True(network.RunUntil(() => client.RetransmissionTimeout > first, Minutes));

        Assert.Equal(client.SendMss, client.CongestionWindow); // RFC 5681 section 3.1: LW, one segment
    }

    [Fact]
    public void ASteadyTransfer_AllocatesNothingPerSegment()
    {
        var network = new SimulatedNetwork(15);
        var listener = new TestListener();
        network.B.Listen(Port, listener);
        TcpConnection client = Connect(network);
        Assert.True(network.RunUntil(() => client.State == TcpState.Established && listener.Accepted.Count == 1, Minutes));
        TcpConnection server = listener.Accepted[0];
        var chunk = new byte[8 * 1380];
        var packet = new byte[1500];
        var read = new byte[65536];

        long allocated = Tunnel.Core.Tests.Support.Allocations.Fewest(() =>
        {
            client.Write(chunk);
            network.A.Pump(client, network.Now);
            int length;
            while ((length = network.A.Outbound.Dequeue(packet)) > 0)
            {
                network.B.Deliver(packet.AsSpan(0, length), network.Now);
            }

            while (server.Read(read) > 0)
            {
            }

            network.B.Pump(server, network.Now);
            while ((length = network.B.Outbound.Dequeue(packet)) > 0)
            {
                network.A.Deliver(packet.AsSpan(0, length), network.Now);
            }
        });

        Assert.Equal(0, allocated);
    }

    internal static TcpConnection Connect(SimulatedNetwork network)
    {
        TcpConnection? client = network.A.Connect(SimulatedNetwork.AddressB.GetAddressBytes(), Port, network.Now, out _);
        Assert.NotNull(client);
        return client;
    }

    /// <summary>Writes <paramref name="data"/> on one end and reads it all on the other, running the network.</summary>
    internal static byte[] Transfer(SimulatedNetwork network, TcpConnection from, TcpConnection to, byte[] data)
    {
        var received = new List<byte>(data.Length);
        var chunk = new byte[65536];
        int written = 0;
        network.RunUntil(() =>
        {
            if (written < data.Length)
            {
                written += from.Write(data.AsSpan(written));
            }

            int read;
            while ((read = to.Read(chunk)) > 0)
            {
                received.AddRange(chunk.AsSpan(0, read));
            }

            (from.Endpoints.LocalPort == Port ? network.B : network.A).Pump(from, network.Now);
            (to.Endpoints.LocalPort == Port ? network.B : network.A).Pump(to, network.Now);
            return received.Count == data.Length || from.State == TcpState.Closed;
        }, Minutes);
        return [.. received];
    }

    internal static byte[] RandomBytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static uint NextSequenceFrom(SimulatedNetwork network, TcpConnection client, TcpConnection server)
    {
        // Make the server acknowledge, and read its acknowledgment number off the wire.
        network.B.Deliver(Segment(network, client, 0, TcpFlags.Ack), network.Now); // out of window: answered with an ACK
        var buffer = new byte[2000];
        int length = network.B.Outbound.Dequeue(buffer);
        Assert.True(IPPacket.TryParse(buffer.AsSpan(0, length), out IPPacket packet, out _));
        Assert.True(TcpSegment.TryRead(packet, out TcpSegment segment, out _));
        return segment.Acknowledgment;
    }

    private static byte[] Segment(SimulatedNetwork network, TcpConnection client, uint sequence, TcpFlags flags)
    {
        byte[] a = SimulatedNetwork.AddressA.GetAddressBytes(), b = SimulatedNetwork.AddressB.GetAddressBytes();
        var packet = new byte[40];
        int length = TcpSegment.Write(packet.AsSpan(20), client.Endpoints.LocalPort, Port, sequence, 0, flags, 1000, null, 0, a, b);
        IPPacketWriter.Write(packet, a, b, IPProtocol.Tcp, length, 0);
        return packet;
    }

    private static byte[] Syn(ushort sourcePort)
    {
        byte[] a = SimulatedNetwork.AddressA.GetAddressBytes(), b = SimulatedNetwork.AddressB.GetAddressBytes();
        var packet = new byte[20 + TcpSegment.SynHeaderLength];
        int length = TcpSegment.Write(packet.AsSpan(20), sourcePort, Port, 12345, 0, TcpFlags.Syn, 65535, (1380, 7), 0, a, b);
        IPPacketWriter.Write(packet, a, b, IPProtocol.Tcp, length, 0);
        return packet;
    }
}
