using Tunnel.Net.Stack;
using Tunnel.Net.Tcp;
using static Tunnel.Net.Tests.Tcp.TcpConnectionTests;

namespace Tunnel.Net.Tests.Tcp;

/// <summary>
/// The memory all of a stack's TCP buffers share (<see cref="TcpSettings.MemoryLimit"/>), in simulated time: a
/// connection without room offers a zero window and takes its data once room is given back, a writer without room
/// waits and is told, the limit is never passed, every buffer is given back when its connection ends, and data for an
/// application that closed is answered with a reset.
/// </summary>
public sealed class TcpMemoryTests
{
    private const int Buffer = 16 * 1024;

    private static readonly TcpSettings TwoReceiveBuffers = new() { SendBufferSize = Buffer, ReceiveBufferSize = Buffer, MemoryLimit = 2 * Buffer };

    [Fact]
    public void AConnectionWithoutRoom_OffersAZeroWindow_AndTakesItsDataAsSoonAsRoomIsGivenBack()
    {
        var network = new SimulatedNetwork(31, tcp: TwoReceiveBuffers with { MemoryLimit = 1 << 20 }, tcpB: TwoReceiveBuffers);
        var listener = new TestListener();
        Assert.True(network.B.Listen(Port, listener));
        TcpConnection[] clients = [Connect(network), Connect(network), Connect(network)];
        Assert.True(network.RunUntil(() => listener.Accepted.Count == 3, Minutes));
        TcpConnection[] servers = [.. clients.Select(client => listener.Accepted.Single(server => server.Endpoints.RemotePort == client.Endpoints.LocalPort))];

        // The first two take the stack's room; the third's window is closed before its first byte.
        foreach (TcpConnection client in clients.Take(2))
        {
            Assert.Equal(8000, client.Write(new byte[8000]));
            network.A.Pump(client, network.Now);
        }

        Assert.True(network.RunUntil(() => servers[0].Readable == 8000 && servers[1].Readable == 8000, Minutes));
        Assert.Equal(8000, clients[2].Write(TcpConnectionTests.RandomBytes(3, 8000)));
        network.A.Pump(clients[2], network.Now);
        network.RunUntil(() => NeverAbove(network.B, 2 * Buffer) && false, TimeSpan.FromSeconds(5));
        Assert.Equal(0, servers[2].Readable);
        Assert.Equal(0u, clients[2].PeerWindow);
        Assert.Equal(2 * Buffer, network.B.TcpMemory.InUse);

        // The first connection ends: its receive buffer's room goes back, and the third is offered a window at once,
        // not at its peer's next zero-window probe.
        servers[0].Read(new byte[8000]);
        clients[0].Shutdown();
        network.A.Pump(clients[0], network.Now);
        Assert.True(network.RunUntil(() => servers[0].State == TcpState.CloseWait, Minutes));
        long released = network.Now;
        var received = new byte[8000];
        int total = 0;
        long firstData = -1;
        Assert.True(network.RunUntil(
            () =>
            {
                total += servers[2].Read(received.AsSpan(total));
                firstData = firstData < 0 && total > 0 ? network.Now : firstData;
                return total == 8000 && NeverAbove(network.B, 2 * Buffer);
            },
            Minutes));

        Assert.Equal(TcpConnectionTests.RandomBytes(3, 8000), received);
        Assert.True(firstData - released <= (2 * network.Delay).Ticks, $"the first byte came {TimeSpan.FromTicks(firstData - released).TotalMilliseconds} ms after the room: one round trip was due");
    }

    [Fact]
    public void AWriterWithoutRoom_Waits_AndIsToldWhenRoomIsGivenBack()
    {
        var network = new SimulatedNetwork(32, tcp: new TcpSettings { SendBufferSize = Buffer, ReceiveBufferSize = Buffer, MemoryLimit = Buffer });
        var listener = new TestListener();
        Assert.True(network.B.Listen(Port, listener));
        TcpConnection first = Connect(network), second = Connect(network);
        Assert.True(network.RunUntil(() => listener.Accepted.Count == 2, Minutes));
        var told = new CountingObserver();
        second.Observer = told;

        Assert.Equal(100, first.Write(new byte[100]));
        Assert.Equal(0, second.Write(new byte[100])); // the first's send buffer holds all the room
        Assert.Equal(0, told.Count);

        first.Shutdown(); // once its FIN is acknowledged, nothing more can be sent: its buffer goes
        network.A.Pump(first, network.Now);
        Assert.True(network.RunUntil(() => told.Count > 0, Minutes));

        Assert.Equal(TcpState.FinWait2, first.State);
        Assert.Equal(100, second.Write(new byte[100]));
    }

    [Fact]
    public void EveryBuffer_IsGivenBack_WhenItsConnectionEndsInOrder()
    {
        var network = new SimulatedNetwork(33, tcp: new TcpSettings { SendBufferSize = Buffer, ReceiveBufferSize = Buffer });
        (TcpConnection client, TcpConnection server) = Establish(network);
        Assert.Equal(50_000, Transfer(network, client, server, TcpConnectionTests.RandomBytes(1, 50_000)).Length);
        Assert.Equal(50_000, Transfer(network, server, client, TcpConnectionTests.RandomBytes(2, 50_000)).Length);
        Assert.Equal(2 * Buffer, network.A.TcpMemory.InUse);

        client.Shutdown();
        client.Detach();
        network.A.Pump(client, network.Now);
        Assert.True(network.RunUntil(() => server.State == TcpState.CloseWait, Minutes));
        server.Shutdown();
        server.Detach();
        network.B.Pump(server, network.Now);
        Assert.True(network.RunUntil(() => client.State == TcpState.TimeWait && server.State == TcpState.Closed, Minutes));
        Assert.Equal(0, network.A.TcpMemory.InUse);
        Assert.Equal(0, network.B.TcpMemory.InUse);
    }

    [Fact]
    public void AResetWhileBytesWaitUnread_KeepsTheBufferForTheApplication_UntilItHasRead()
    {
        var network = new SimulatedNetwork(35, tcp: new TcpSettings { SendBufferSize = Buffer, ReceiveBufferSize = Buffer });
        (TcpConnection client, TcpConnection server) = Establish(network);
        Assert.Equal(1000, client.Write(new byte[1000]));
        network.A.Pump(client, network.Now);
        Assert.True(network.RunUntil(() => server.Readable == 1000, Minutes));
        client.Abort();
        network.A.Pump(client, network.Now);
        Assert.True(network.RunUntil(() => server.State == TcpState.Closed, Minutes));
        Assert.Equal(Buffer, network.B.TcpMemory.InUse);
        Assert.Equal(1000, server.Read(new byte[2000]));
        Assert.Equal(0, network.B.TcpMemory.InUse);
        Assert.Equal(0, network.A.TcpMemory.InUse);
    }

    [Fact]
    public void NewDataForAnApplicationThatClosed_IsAnsweredWithAReset_AndHoldsNoMemory()
    {
        var network = new SimulatedNetwork(34, tcp: new TcpSettings { SendBufferSize = Buffer, ReceiveBufferSize = Buffer });
        (TcpConnection client, TcpConnection server) = Establish(network);
        server.Shutdown(); // the application closed the connection without reading (FIN-WAIT: the peer may still send)
        server.Detach();
        network.B.Pump(server, network.Now);
        Assert.True(network.RunUntil(() => client.State == TcpState.CloseWait, Minutes));

        Assert.Equal(500, client.Write(new byte[500]));
        network.A.Pump(client, network.Now);
        Assert.True(network.RunUntil(() => client.State == TcpState.Closed, Minutes));

        Assert.Equal(TcpConnectionError.Reset, client.Error);
        Assert.Equal(TcpState.Closed, server.State);
        Assert.Equal(0, network.B.TcpMemory.InUse);
    }

    private static bool NeverAbove(NetworkStack stack, long limit)
    {
        Assert.InRange(stack.TcpMemory.InUse, 0, limit);
        return true;
    }

    private sealed class CountingObserver : ITcpConnectionObserver
    {
        public int Count { get; private set; }

        public void OnChanged(TcpConnection connection) => Count++;
    }
}
