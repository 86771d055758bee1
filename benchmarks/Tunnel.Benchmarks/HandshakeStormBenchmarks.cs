using System.Diagnostics;
using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Tunnel.Core;
using Tunnel.Core.Crypto;
using Tunnel.Core.Crypto.Interop;
using Tunnel.Core.Protocol;
using Tunnel.Testing;

namespace Tunnel.Benchmarks;

/// <summary>
/// A gateway with 10,000 configured peers, all of which initiate at once, while one more peer moves data
/// through it: whole engines over the in-memory network, as in <see cref="DeviceThroughputBenchmarks"/>.
/// <see cref="Transfer_Quiet"/> and <see cref="Transfer_DuringStorm"/> move the same packets through the
/// gateway without and with the storm (their ratio is the data path's share kept), and
/// <see cref="AbsorbStorm"/> is the time until every one of the 10,000 initiations has been answered
/// (response or cookie reply) or refused and counted.
/// </summary>
/// <remarks>
/// The initiations carry valid MAC1s (each is a real peer's first message, made by a sans-IO device in the
/// set-up) and come from one address, as the gateway's handshake queue and "under load" see the same work
/// whatever the sources. Each storm replays the same messages: under load the gateway answers them with
/// cookie replies, which is the point, and replays cost it no more than fresh ones.
/// </remarks>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class HandshakeStormBenchmarks
{
    private const int StormPeers = 10_000;
    private const int Packets = 16_384;
    private const int Window = 512;
    private const int Size = 1420;

    private readonly byte[] _received = new byte[2048];
    private byte[][] _initiations = [];
    private byte[] _packet = [];
    private TunnelHost? _gateway, _client;
    private InMemoryTunDevice? _clientTun, _gatewayTun;
    private IDatagramSocket? _attacker;
    private IPEndPoint _gatewayEndpoint = null!;
    private InMemoryNetwork _network = null!;
    private Thread? _answers;
    private long _answered;
    private volatile bool _stopping;
    private long _dataLost;

    /// <summary>Initiations per second during <see cref="Transfer_DuringStorm"/>: the flood test's rate, and five times it.</summary>
    [Params(20_000, 100_000)]
    public int StormRate { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Libsodium.EnsureInitialized();
        var random = new Random(33);
        var network = _network = new InMemoryNetwork { QueueCapacity = 4096 };
        PrivateKey gatewayKey = NewKey(random), clientKey = NewKey(random);

        // The storm: each spoke's first initiation to the gateway, made once.
        var spokes = new TunnelPeerOptions[StormPeers];
        _initiations = new byte[StormPeers][];
        var gatewayAt = new UdpEndpoint([192, 0, 2, 1], 51820);
        byte[] buffer = new byte[2048];
        byte[] toGateway = PacketBuilder.IPv4(IPAddress.Parse("10.9.0.1"), IPAddress.Parse("10.0.0.1"), new byte[16]);
        for (int i = 0; i < StormPeers; i++)
        {
            PrivateKey spokeKey = NewKey(random);
            var spoke = new Device(new DeviceOptions { PrivateKey = spokeKey }, new DeterministicEntropy(1000 + i));
            Peer gatewayOnSpoke = spoke.AddPeer(gatewayKey.GetPublicKey());
            spoke.SetEndpoint(gatewayOnSpoke, gatewayAt);
            spoke.AddAllowedIp(gatewayOnSpoke, IPNetwork.Parse("0.0.0.0/0"));
            spoke.Encapsulate(toGateway, buffer, TimeSpan.FromSeconds(1));
            if (!spoke.TryDequeueTransmit(buffer, TimeSpan.FromSeconds(1), out PacketResult initiation))
            {
                throw new InvalidOperationException("A spoke made no initiation.");
            }

            _initiations[i] = buffer[..initiation.Length];
            spokes[i] = new TunnelPeerOptions { PublicKey = spokeKey.GetPublicKey() };
        }

        _gatewayTun = new InMemoryTunDevice("storm-g", capacity: 4096);
        _clientTun = new InMemoryTunDevice("storm-c", capacity: 4096);
        TunnelPeerOptions clientOnGateway = new() { PublicKey = clientKey.GetPublicKey(), AllowedIps = [IPNetwork.Parse("10.0.0.2/32")] };
        _gateway = new TunnelHost(
            new TunnelOptions { PrivateKey = gatewayKey, ListenPort = 51820, Peers = [clientOnGateway, .. spokes] },
            _gatewayTun,
            network.CreateSocketFactory(IPAddress.Parse("192.0.2.1")));
        _gateway.Start();
        _gatewayEndpoint = new IPEndPoint(IPAddress.Parse("192.0.2.1"), 51820);
        _client = new TunnelHost(
            new TunnelOptions
            {
                PrivateKey = clientKey,
                Peers = [new TunnelPeerOptions { PublicKey = gatewayKey.GetPublicKey(), Endpoint = _gatewayEndpoint, AllowedIps = [IPNetwork.Parse("10.0.0.1/32")] }],
            },
            _clientTun,
            network.CreateSocketFactory(IPAddress.Parse("192.0.2.2")));
        _client.Start();

        _packet = PacketBuilder.IPv4(IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.0.0.1"), new byte[Size - 20]);
        if (!_clientTun.TryInject(_packet, TimeSpan.FromSeconds(5)) || !_gatewayTun.TryTake(_received, out _, TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException("The client and the gateway did not complete a handshake.");
        }

        _attacker = network.CreateSocketFactory(IPAddress.Parse("192.0.2.66")).Bind(0, 0);
        _answers = new Thread(CountAnswers) { IsBackground = true, Name = "answers" };
        _answers.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_gateway is not null)
        {
            TunnelStatistics statistics = _gateway.GetStatistics();
            Console.WriteLine(
                $"// storm totals: {Interlocked.Read(ref _answered)} answers (responses and cookie replies), {_network.LostDatagrams} datagrams lost by the network, " +
                $"{statistics.Drops.GetValueOrDefault(DropReason.HandshakeQueueFull)} refused by the full handshake queue, {statistics.Handshakes} handshakes completed, " +
                $"{Interlocked.Read(ref _dataLost)} data packets lost");
        }

        _stopping = true;
        _attacker?.Dispose();
        _answers?.Join();
        _client?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _gateway?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>The data path alone: <see cref="Packets"/> packets from the client's TUN device to the gateway's.</summary>
    [Benchmark(Baseline = true)]
    public int Transfer_Quiet() => Transfer();

    /// <summary>
    /// The same transfer while the 10,000 initiations arrive again and again at <see cref="StormRate"/>, in
    /// bursts of a thousand, so the sender (in this process) does not take a core of its own from the engines.
    /// </summary>
    [Benchmark]
    public int Transfer_DuringStorm()
    {
        using var storm = new CancellationTokenSource();
        var stormer = new Thread(() =>
        {
            while (!storm.IsCancellationRequested)
            {
                Storm(storm.Token);
            }
        })
        { IsBackground = true, Name = "storm" };
        stormer.Start();
        try
        {
            return Transfer();
        }
        finally
        {
            storm.Cancel();
            stormer.Join();
        }
    }

    /// <summary>
    /// One storm, timed until every initiation is accounted for: answered (a response or a cookie reply), or
    /// dropped and counted by the gateway (its queue full, a replayed timestamp) or by the network.
    /// </summary>
    [Benchmark]
    public long AbsorbStorm()
    {
        long before = Accounted();
        long answeredBefore = Interlocked.Read(ref _answered);
        Storm(paced: null);
        var deadline = Stopwatch.StartNew();
        while (Accounted() - before < StormPeers)
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException("The storm was not absorbed within 60 s.");
            }

            Thread.Sleep(1);
        }

        return Interlocked.Read(ref _answered) - answeredBefore;
    }

    /// <summary>Sends the 10,000 initiations: at once, or paced at <see cref="StormRate"/> until <paramref name="paced"/> is cancelled.</summary>
    private void Storm(CancellationToken? paced)
    {
        var destination = UdpEndpoint.FromIPEndPoint(_gatewayEndpoint);
        ReadOnlyMemory<byte>[] one = new ReadOnlyMemory<byte>[1];
        for (int i = 0; i < _initiations.Length; i++)
        {
            one[0] = _initiations[i];
            _attacker!.Send(one, destination);
            if (paced is { } token && i % 1000 == 999)
            {
                if (token.WaitHandle.WaitOne(1000 * 1000 / StormRate))
                {
                    return; // the transfer is over: stop at once rather than finish the pass
                }
            }
        }
    }

    private int Transfer()
    {
        int taken = 0;
        for (int sent = 0; sent < Packets; sent++)
        {
            while (sent - taken >= Window)
            {
                Take(ref taken, sent);
            }

            _clientTun!.TryInject(_packet, Timeout.InfiniteTimeSpan);
        }

        while (taken < Packets)
        {
            Take(ref taken, Packets);
        }

        return taken;
    }

    /// <summary>
    /// Takes one packet; when none comes for 50 ms, the packets in flight are written off as lost (a full
    /// socket queue drops datagrams, as the kernel's does), so a lossy run costs its waits instead of hanging.
    /// </summary>
    private void Take(ref int taken, int sent)
    {
        if (_gatewayTun!.TryTake(_received, out _, TimeSpan.FromMilliseconds(50)))
        {
            taken++;
            return;
        }

        Interlocked.Add(ref _dataLost, sent - taken);
        taken = sent;
    }

    private long Accounted() => Interlocked.Read(ref _answered) + _network.LostDatagrams + _gateway!.GetStatistics().Drops.Values.Sum();

    private void CountAnswers()
    {
        var buffers = new Memory<byte>[64];
        for (int i = 0; i < buffers.Length; i++)
        {
            buffers[i] = new byte[256];
        }

        var sizes = new int[64];
        var sources = new UdpEndpoint[64];
        while (!_stopping)
        {
            int count = _attacker!.Receive(buffers, sizes, sources);
            if (count == 0)
            {
                return;
            }

            Interlocked.Add(ref _answered, count);
        }
    }

    private static PrivateKey NewKey(Random random)
    {
        Span<byte> seed = stackalloc byte[32];
        random.NextBytes(seed);
        return PrivateKey.Create(seed);
    }
}
