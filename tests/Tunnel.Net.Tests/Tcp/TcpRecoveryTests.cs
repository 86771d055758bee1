using Tunnel.Net.Packets;
using Tunnel.Net.Tcp;
using static Tunnel.Net.Tests.Tcp.TcpConnectionTests;

namespace Tunnel.Net.Tests.Tcp;

/// <summary>
/// TCP's timers and recovery in simulated time, as the RFCs have them: the retransmission timeout doubling and cutting
/// the congestion window, fast retransmit with SACK blocks in the receiver's ACKs, zero-window probes, keepalive, and
/// path MTU discovery (a forged message not believed).
/// </summary>
public sealed class TcpRecoveryTests
{
    [Fact]
    public void ADeadPath_TimesOutAfterTheRetransmissions_WithTheTimeoutDoublingEachTime()
    {
        var network = new SimulatedNetwork(5, tcp: new TcpSettings { MaxRetransmissions = 5 });
        (TcpConnection client, TcpConnection server) = Establish(network);

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
        (TcpConnection client, TcpConnection server) = Establish(network);
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
        (TcpConnection client, TcpConnection server) = Establish(network);

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
    public void ALinkWithASmallerMtu_IsFoundByFragmentationNeeded_AndTheTransferGoesOnInSmallerSegments()
    {
        var network = new SimulatedNetwork(16) { LinkMtu = 1300 };
        (TcpConnection client, TcpConnection server) = Establish(network);

        byte[] data = RandomBytes(17, 200_000);
        Assert.Equal(data, Transfer(network, client, server, data));

        Assert.Equal(1300 - 40, client.SendMss);
        Assert.True(network.TooBigSent > 0);
    }

    [Fact]
    public void AFragmentationNeededQuotingNoSequenceInFlight_IsNotBelieved()
    {
        var network = new SimulatedNetwork(18);
        (TcpConnection client, TcpConnection server) = Establish(network);

        Assert.False(client.OnPathMtu(600, 12345)); // a blind guess: nothing in flight
        Assert.Equal(1380, client.SendMss);
    }

    [Fact]
    public void KeepAlive_ProbesAnIdleConnection_KeepsItWhileAnswered_AndEndsItWhenThePeerIsGone()
    {
        var settings = new TcpSettings { KeepAliveIdle = TimeSpan.FromSeconds(10), KeepAliveInterval = TimeSpan.FromSeconds(1), KeepAliveProbes = 3 };
        var network = new SimulatedNetwork(19, tcp: settings);
        (TcpConnection client, TcpConnection server) = Establish(network);

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
    public void ARetransmissionTimeout_CutsTheCongestionWindowToOneSegment()
    {
        var network = new SimulatedNetwork(22);
        (TcpConnection client, TcpConnection server) = Establish(network);
        Transfer(network, client, server, new byte[200_000]);
        Assert.True(client.CongestionWindow > 10 * client.SendMss, $"{client.CongestionWindow}"); // grown by slow start

        network.Loss = 1;
        client.Write(new byte[50_000]);
        network.A.Pump(client, network.Now);
        TimeSpan first = client.RetransmissionTimeout;
        Assert.True(network.RunUntil(() => client.RetransmissionTimeout > first, Minutes));

        Assert.Equal(client.SendMss, client.CongestionWindow); // RFC 5681 section 3.1: LW, one segment
    }
}
