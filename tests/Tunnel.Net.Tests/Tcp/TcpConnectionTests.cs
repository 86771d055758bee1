using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Net.Packets;
using Tunnel.Net.Tcp;

namespace Tunnel.Net.Tests.Tcp;

/// <summary>
/// The sans-IO TCP between two stacks over a simulated link in simulated time: the handshake, transfers both ways,
/// orderly, half and simultaneous closes, refusals and resets, Nagle, window scaling, the backlog, and over a lossy,
/// duplicating, reordering link every byte delivered once and in order (timers and recovery: <see cref="TcpRecoveryTests"/>).
/// </summary>
public sealed class TcpConnectionTests
{
    internal const ushort Port = 80;
    internal static readonly TimeSpan Minutes = TimeSpan.FromMinutes(10);

    [Fact]
    public void AHandshake_AndATransferEachWay_AndAnOrderlyClose()
    {
        var network = new SimulatedNetwork(1);
        (TcpConnection client, TcpConnection server) = Establish(network);

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
    public void AHalfClose_LetsThePeerKeepSending()
    {
        var network = new SimulatedNetwork(10);
        (TcpConnection client, TcpConnection server) = Establish(network);

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
        (TcpConnection client, TcpConnection server) = Establish(network);
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
        (TcpConnection client, TcpConnection server) = Establish(network);
        Transfer(network, server, client, new byte[1000]); // an ACK after the handshake carries a scaled window

        Assert.True(client.PeerWindow > ushort.MaxValue, $"{client.PeerWindow}");
        Assert.Equal(1420 - 40, client.SendMss);
    }

    [Fact]
    public void WithNagle_ASmallWrite_WaitsForTheOutstandingOneToBeAcknowledged()
    {
        var network = new SimulatedNetwork(20, tcp: new TcpSettings { NoDelay = false });
        (TcpConnection client, TcpConnection server) = Establish(network);
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
            total += server.Read(read);
            return total == 20 && client.AllAcknowledged; // the held bytes went once the first were acknowledged
        }, Minutes));
    }

    [Fact]
    public void ASimultaneousClose_PassesThroughClosing_AndBothEndsFinish()
    {
        var network = new SimulatedNetwork(21);
        (TcpConnection client, TcpConnection server) = Establish(network);

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
    public void ASteadyTransfer_AllocatesNothingPerSegment()
    {
        var network = new SimulatedNetwork(15);
        (TcpConnection client, TcpConnection server) = Establish(network);
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

    /// <summary>B listens on the port and A connects to it: both ends established.</summary>
    internal static (TcpConnection Client, TcpConnection Server) Establish(SimulatedNetwork network)
    {
        var listener = new TestListener();
        Assert.True(network.B.Listen(Port, listener));
        TcpConnection client = Connect(network);
        Assert.True(network.RunUntil(() => client.State == TcpState.Established && listener.Accepted.Count == 1, Minutes));
        return (client, listener.Accepted[0]);
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
