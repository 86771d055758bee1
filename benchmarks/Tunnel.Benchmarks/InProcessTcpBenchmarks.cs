using System.Net;
using BenchmarkDotNet.Attributes;
using Tunnel.Net.Stack;
using Tunnel.Net.Tcp;
using Ours = Tunnel.Core.Crypto.ChaCha20Poly1305;

namespace Tunnel.Benchmarks;

/// <summary>
/// The in-process stack's TCP, between two stacks in memory (no tunnel, no sockets): a mebibyte from one to the other
/// (every segment written, checksummed, parsed, reassembled and acknowledged), beside the reference of sealing the same
/// mebibyte in 1380-byte packets with our ChaCha20-Poly1305, what the tunnel pays for those bytes anyway; a
/// connection set up and reset; and a connection established and kept idle, whose allocation is its memory.
/// </summary>
[MemoryDiagnoser]
public class InProcessTcpBenchmarks
{
    private const int Mebibyte = 1 << 20;
    private const int Mss = 1380;
    private static readonly IPAddress AddressA = IPAddress.Parse("10.0.0.1"), AddressB = IPAddress.Parse("10.0.0.2");

    private readonly byte[] _data = new byte[Mebibyte];
    private readonly byte[] _sealed = new byte[Mss + 16];
    private readonly byte[] _key = new byte[32];
    private readonly byte[] _packet = new byte[1500];
    private readonly byte[] _read = new byte[256 * 1024];
    private readonly Listener _listener = new();
    private readonly List<TcpConnection> _idle = [];
    private NetworkStack _a = null!, _b = null!;
    private TcpConnection _client = null!, _server = null!;
    private const long Now = 0; // time stands still: no timer is due within one operation

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_data);
        (_a, _b) = NewPair();
        (_client, _server) = Establish();
    }

    [IterationCleanup]
    public void Cleanup()
    {
        foreach (TcpConnection connection in _idle)
        {
            connection.Abort();
            _a.Pump(connection, Now);
        }

        _idle.Clear();
        Exchange();
    }

    [Benchmark(Baseline = true)]
    public int Seal_Mebibyte_Reference()
    {
        int written = 0;
        for (int offset = 0; offset < Mebibyte; offset += Mss)
        {
            written += Ours.Encrypt(_key, (ulong)offset, _data.AsSpan(offset, Math.Min(Mss, Mebibyte - offset)), _sealed, []);
        }

        return written;
    }

    [Benchmark]
    public int Tcp_Mebibyte()
    {
        int written = 0, read = 0;
        while (read < Mebibyte)
        {
            if (written < Mebibyte)
            {
                written += _client.Write(_data.AsSpan(written));
                _a.Pump(_client, Now);
            }

            Exchange();
            int count;
            while ((count = _server.Read(_read)) > 0)
            {
                read += count;
            }

            _b.Pump(_server, Now);
        }

        return read;
    }

    [Benchmark]
    public int Connect_Then_Reset()
    {
        (TcpConnection client, TcpConnection server) = Establish();
        client.Abort();
        _a.Pump(client, Now);
        Exchange();
        return (int)server.State;
    }

    [Benchmark]
    public int Connect_And_Keep_Idle()
    {
        (TcpConnection client, TcpConnection server) = Establish();
        _idle.Add(client);
        return (int)server.State;
    }

    private (NetworkStack A, NetworkStack B) NewPair()
    {
        uint isn = 1;
        var settings = new TcpSettings { MaxConnections = 1 << 20 };
        var a = new NetworkStack([AddressA], 1420, 4096, 1, settings, () => isn += 100_003);
        var b = new NetworkStack([AddressB], 1420, 4096, 2, settings, () => isn += 200_003);
        b.Listen(80, _listener);
        return (a, b);
    }

    private (TcpConnection Client, TcpConnection Server) Establish()
    {
        TcpConnection client = _a.Connect(AddressB.GetAddressBytes(), 80, Now, out _) ?? throw new InvalidOperationException("no connection");
        Exchange();
        return (client, _listener.Last ?? throw new InvalidOperationException("not accepted"));
    }

    /// <summary>Carries every queued packet across, both ways, until both queues are empty.</summary>
    private void Exchange()
    {
        bool moved = true;
        while (moved)
        {
            moved = false;
            int length;
            while ((length = _a.Outbound.Dequeue(_packet)) > 0)
            {
                _b.Deliver(_packet.AsSpan(0, length), Now);
                moved = true;
            }

            while ((length = _b.Outbound.Dequeue(_packet)) > 0)
            {
                _a.Deliver(_packet.AsSpan(0, length), Now);
                moved = true;
            }
        }
    }

    private sealed class Listener : ITcpListener
    {
        public TcpConnection? Last { get; private set; }

        public bool CanAccept => true;

        public void OnHandshakeStarted(TcpConnection connection)
        {
        }

        public void OnHandshakeEnded(TcpConnection connection, bool established)
        {
            if (established)
            {
                Last = connection;
            }
        }
    }
}
