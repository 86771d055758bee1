using Tunnel.Net.Stack;
using Tunnel.Net.Tcp;

namespace Tunnel.Net.Tests.Tcp;

/// <summary>
/// The stack's TCP timers in a heap: its next deadline always equals a scan of every connection's (the oracle),
/// through loss, reordering and closes, and idle connections cost the heap nothing.
/// </summary>
public sealed class TcpTimerHeapTests
{
    private static readonly TimeSpan Minutes = TimeSpan.FromMinutes(5);

    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 0.05)]
    [InlineData(3, 0.2)]
    public void TheNextDeadline_EqualsAScanOfEveryConnection_AtEveryStep_ThroughLossAndCloses(int seed, double loss)
    {
        var network = new SimulatedNetwork(seed, loss: loss, reorder: 0.1, duplicate: 0.02);
        var listener = new TestListener(backlog: 64);
        Assert.True(network.B.Listen(TcpConnectionTests.Port, listener));
        var clients = new List<TcpConnection>();
        for (int i = 0; i < 40; i++)
        {
            clients.Add(TcpConnectionTests.Connect(network));
        }

        var random = new Random(seed);
        var chunk = new byte[8192];
        long limit = network.Now + Minutes.Ticks;
        int steps = 0;
        while (network.Step(limit) && steps++ < 20_000)
        {
            AssertHeapMatchesScan(network.A);
            AssertHeapMatchesScan(network.B);

            // Some traffic each way and some closes, as the application would make it.
            foreach (TcpConnection connection in clients.Concat(listener.Accepted).ToList())
            {
                NetworkStack stack = connection.Endpoints.LocalPort == TcpConnectionTests.Port ? network.B : network.A;
                while (connection.Read(chunk) > 0)
                {
                }

                int roll = random.Next(1000);
                if (roll < 20 && connection.CanSend)
                {
                    connection.Write(chunk.AsSpan(0, random.Next(1, chunk.Length)));
                }
                else if (roll == 20 && connection.CanSend)
                {
                    connection.Shutdown();
                }
                else if (roll == 21 && random.Next(4) == 0)
                {
                    connection.Abort();
                }

                stack.Pump(connection, network.Now);
            }
        }

        AssertHeapMatchesScan(network.A);
        AssertHeapMatchesScan(network.B);
    }

    [Fact]
    public void IdleEstablishedConnections_AreNotInTheHeap_AndClosedOnesLeaveIt()
    {
        var network = new SimulatedNetwork(4);
        var listener = new TestListener(backlog: 256);
        Assert.True(network.B.Listen(TcpConnectionTests.Port, listener));
        var clients = new List<TcpConnection>();
        for (int i = 0; i < 200; i++)
        {
            clients.Add(TcpConnectionTests.Connect(network));
        }

        Assert.True(network.RunUntil(() => listener.Accepted.Count == 200 && clients.All(c => c.State == TcpState.Established), Minutes));
        network.RunUntil(() => false, TimeSpan.FromSeconds(5)); // delayed acknowledgments settle

        Assert.Equal(long.MaxValue, network.A.NextDeadline);
        Assert.Equal(0, network.A.ConnectionsWithTimers);
        Assert.Equal(200, network.A.TcpConnectionCount);

        // One connection closes: its FIN's retransmission timer, then TIME-WAIT's, are the only ones.
        clients[0].Shutdown();
        network.A.Pump(clients[0], network.Now);
        Assert.Equal(1, network.A.ConnectionsWithTimers);
        listener.Accepted[0].Shutdown();
        network.B.Pump(listener.Accepted[0], network.Now);
        Assert.True(network.RunUntil(() => network.A.TcpConnectionCount == 199, Minutes));
        Assert.Equal(0, network.A.ConnectionsWithTimers);
    }

    private static void AssertHeapMatchesScan(NetworkStack stack)
    {
        long scan = long.MaxValue;
        int armed = 0;
        foreach (TcpConnection connection in stack.TcpConnections)
        {
            scan = Math.Min(scan, connection.NextDeadline);
            armed += connection.NextDeadline == long.MaxValue ? 0 : 1;
        }

        Assert.Equal(scan, stack.NextDeadline);
        Assert.InRange(stack.ConnectionsWithTimers, armed, stack.TcpConnectionCount);
    }
}
