using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Tunnel.Core.Crypto;
using Tunnel.Sockets;
using Tunnel.Testing;

namespace Tunnel.Demo;

/// <summary>
/// Two WireGuard peers in this process, over real UDP on the loopback interface, with in-memory TUN
/// devices: no root, no kernel interface. A handshake, then full-size packets both ways, then a report; then
/// the split-tunnel router's decisions for a sample policy (<see cref="SplitTunnelDemo"/>).
/// </summary>
internal static class DemoCommand
{
    private const int PacketSize = 1420;
    private static readonly IPAddress InnerA = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress InnerB = IPAddress.Parse("10.0.0.2");

    public static async Task<int> RunAsync(TimeSpan duration)
    {
        PrivateKey keyA = NewKey(), keyB = NewKey();
        var tunA = new InMemoryTunDevice("demo-a", capacity: 4096);
        var tunB = new InMemoryTunDevice("demo-b", capacity: 4096);
        await using var hostB = new TunnelHost(
            new TunnelOptions { PrivateKey = keyB, Peers = [new TunnelPeerOptions { PublicKey = keyA.GetPublicKey(), AllowedIps = [new IPNetwork(InnerA, 32)] }] },
            tunB,
            UdpDatagramSocketFactory.Instance);
        hostB.Start();
        await using var hostA = new TunnelHost(
            new TunnelOptions
            {
                PrivateKey = keyA,
                Peers = [new TunnelPeerOptions { PublicKey = keyB.GetPublicKey(), Endpoint = new IPEndPoint(IPAddress.Loopback, hostB.ListenPort), AllowedIps = [new IPNetwork(InnerB, 32)] }],
            },
            tunA,
            UdpDatagramSocketFactory.Instance);
        hostA.Start();

        Console.WriteLine("Tunnel demo: two WireGuard peers in one process, over UDP on 127.0.0.1, with in-memory TUN devices.");
        Console.WriteLine($"  peer A  {InnerA,-9} public key {hostA.PublicKey}  UDP port {hostA.ListenPort}");
        Console.WriteLine($"  peer B  {InnerB,-9} public key {hostB.PublicKey}  UDP port {hostB.ListenPort}");

        byte[] packetAB = PacketBuilder.IPv4(InnerA, InnerB, new byte[PacketSize - 20]);
        byte[] packetBA = PacketBuilder.IPv4(InnerB, InnerA, new byte[PacketSize - 20]);
        var received = new byte[2048];
        long started = Stopwatch.GetTimestamp();
        tunA.TryInject(packetAB, TimeSpan.FromSeconds(1));
        if (!tunB.TryTake(received, out _, TimeSpan.FromSeconds(5)))
        {
            Console.Error.WriteLine("demo: the handshake did not complete within 5 s.");
            return 1;
        }

        double handshakeMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"handshake: {handshakeMs:F1} ms from A's first packet to its delivery at B"));

        int[] gcBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        using var stop = new CancellationTokenSource(duration);
        var flows = new[] { new Flow("A -> B", tunA, tunB, packetAB), new Flow("B -> A", tunB, tunA, packetBA) };
        Thread[] threads = flows.SelectMany(flow => new[] { new Thread(() => flow.Send(stop.Token)), new Thread(() => flow.Receive(stop.Token)) }).ToArray();
        long trafficStarted = Stopwatch.GetTimestamp();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        double seconds = Stopwatch.GetElapsedTime(trafficStarted).TotalSeconds;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        int[] gcAfter = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"traffic: {seconds:F1} s both ways at once, {PacketSize}-byte IP packets"));
        long packets = 0;
        foreach (Flow flow in flows)
        {
            packets += flow.Received;
            double mbits = flow.Received * PacketSize * 8 / seconds / 1e6;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {flow.Name}  {flow.Received,10:N0} packets delivered  {mbits,8:F0} Mbit/s  {flow.Received / seconds,9:N0} packets/s  ({flow.Sent - flow.Received:N0} of {flow.Sent:N0} lost or in flight)"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allocated during traffic: {allocated:N0} bytes in the whole process ({(double)allocated / Math.Max(packets, 1):F3} per packet); GC collections gen0/1/2: {gcAfter[0] - gcBefore[0]}/{gcAfter[1] - gcBefore[1]}/{gcAfter[2] - gcBefore[2]}"));
        TunnelStatistics statistics = hostA.GetStatistics();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peer A: {statistics.DatagramsSent:N0} datagrams sent, {statistics.DatagramsReceived:N0} received, {statistics.Handshakes} handshake(s), drops: {(statistics.Drops.Count == 0 ? "none" : string.Join(", ", statistics.Drops.Select(drop => $"{drop.Key} {drop.Value}")))}"));
        bool delivered = flows.All(flow => flow.Received > 0);
        return SplitTunnelDemo.Run() == 0 && delivered ? 0 : 1;
    }

    private static PrivateKey NewKey()
    {
        Span<byte> seed = stackalloc byte[32];
        RandomNumberGenerator.Fill(seed);
        return PrivateKey.Create(seed);
    }

    /// <summary>One direction of traffic: a sender that injects as fast as the tunnel takes packets, and a receiver.</summary>
    private sealed class Flow(string name, InMemoryTunDevice from, InMemoryTunDevice to, byte[] packet)
    {
        public string Name => name;

        public long Sent { get; private set; }

        public long Received { get; private set; }

        public void Send(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                if (from.TryInject(packet, TimeSpan.FromMilliseconds(50)))
                {
                    Sent++;
                }
            }
        }

        public void Receive(CancellationToken stop)
        {
            var buffer = new byte[2048];
            // After the senders stop, drain what is still in flight until the tunnel has been quiet for 200 ms.
            while (true)
            {
                if (to.TryTake(buffer, out _, TimeSpan.FromMilliseconds(200)))
                {
                    Received++;
                }
                else if (stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }
}
