using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tunnel.SplitTunnel.Tests.Drivers;

/// <summary>
/// A small authoritative DNS server on loopback for the forwarder's tests, over UDP and TCP. It answers A
/// and AAAA queries from a table of names (addresses, or a CNAME to another name in the table), NXDOMAIN
/// otherwise; over UDP it sets TC instead of answering when the answer holds more than
/// <see cref="MaxUdpRecords"/> records, as a real server does past 512 bytes. It records what it was asked.
/// </summary>
internal sealed class TestDnsServer : IAsyncDisposable
{
    private readonly Socket _udp;
    private readonly Socket _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;

    public TestDnsServer(IPAddress? address = null, int port = 0)
    {
        address ??= IPAddress.Loopback;
        _udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _udp.Bind(new IPEndPoint(address, port));
        EndPoint = (IPEndPoint)_udp.LocalEndPoint!;
        _tcp = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _tcp.Bind(EndPoint);
        _tcp.Listen(16);
        _udpLoop = Task.Run(RunUdpAsync);
        _tcpLoop = Task.Run(RunTcpAsync);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Name (lower case, no trailing dot) to its addresses.</summary>
    public ConcurrentDictionary<string, IPAddress[]> Addresses { get; } = new();

    /// <summary>Name to the name it is a CNAME for.</summary>
    public ConcurrentDictionary<string, string> Aliases { get; } = new();

    public uint TimeToLive { get; set; } = 300;

    public int MaxUdpRecords { get; set; } = 8;

    /// <summary>When set, UDP queries are not answered (a dead server).</summary>
    public bool Silent { get; set; }

    public ConcurrentQueue<(string Name, string Transport)> Queries { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        _tcp.Dispose();
        await Task.WhenAll(_udpLoop.ContinueWith(_ => { }), _tcpLoop.ContinueWith(_ => { }));
        _stop.Dispose();
    }

    private async Task RunUdpAsync()
    {
        byte[] buffer = new byte[65535];
        while (!_stop.IsCancellationRequested)
        {
            var received = await _udp.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            if (Silent)
            {
                continue;
            }

            byte[] answer = Answer(buffer.AsSpan(0, received.ReceivedBytes), "udp");
            await _udp.SendToAsync(answer, received.RemoteEndPoint, _stop.Token);
        }
    }

    private async Task RunTcpAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _tcp.AcceptAsync(_stop.Token);
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    byte[] prefix = new byte[2];
                    while (await client.ReceiveAsync(prefix.AsMemory(), SocketFlags.None) == 2)
                    {
                        byte[] query = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
                        int read = 0;
                        while (read < query.Length)
                        {
                            read += await client.ReceiveAsync(query.AsMemory(read), SocketFlags.None);
                        }

                        byte[] answer = Answer(query, "tcp");
                        byte[] framed = new byte[answer.Length + 2];
                        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)answer.Length);
                        answer.CopyTo(framed, 2);
                        await client.SendAsync(framed, SocketFlags.None);
                    }
                }
            });
        }
    }

    private byte[] Answer(ReadOnlySpan<byte> query, string transport)
    {
        // The question: the name's labels from offset 12, then type and class.
        int offset = 12;
        var labels = new List<string>();
        while (query[offset] != 0)
        {
            labels.Add(Encoding.ASCII.GetString(query.Slice(offset + 1, query[offset])));
            offset += 1 + query[offset];
        }

        int questionEnd = offset + 5;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(query[(offset + 1)..]);
        string name = string.Join('.', labels).ToLowerInvariant();
        Queries.Enqueue((name, transport));

        var records = new List<byte[]>();
        string owner = name;
        bool first = true;
        while (Aliases.TryGetValue(owner, out string? target))
        {
            records.Add(Record(first ? null : owner, 5, EncodeName(target)));
            owner = target;
            first = false;
        }

        if (Addresses.TryGetValue(owner, out var addresses))
        {
            foreach (var address in addresses)
            {
                bool wanted = (type == 1 && address.AddressFamily == AddressFamily.InterNetwork) || (type == 28 && address.AddressFamily == AddressFamily.InterNetworkV6);
                if (wanted)
                {
                    records.Add(Record(first ? null : owner, type, address.GetAddressBytes()));
                }
            }
        }

        bool exists = records.Count > 0 || Addresses.ContainsKey(owner);
        bool truncate = transport == "udp" && records.Count > MaxUdpRecords;
        var response = new List<byte>();
        response.AddRange(query[..2].ToArray());
        ushort flags = (ushort)(0x8000 | 0x0400 | 0x0100 | 0x0080 | (truncate ? 0x0200 : 0) | (exists ? 0 : 3));
        response.AddRange([(byte)(flags >> 8), (byte)flags, 0, 1, 0, (byte)(truncate ? 0 : records.Count), 0, 0, 0, 0]);
        response.AddRange(query[12..questionEnd].ToArray());
        if (!truncate)
        {
            records.ForEach(response.AddRange);
        }

        return [.. response];
    }

    private byte[] Record(string? owner, ushort type, byte[] data)
    {
        var record = new List<byte>();
        record.AddRange(owner is null ? [0xC0, 0x0C] : EncodeName(owner));
        record.AddRange([(byte)(type >> 8), (byte)type, 0, 1]);
        record.AddRange([(byte)(TimeToLive >> 24), (byte)(TimeToLive >> 16), (byte)(TimeToLive >> 8), (byte)TimeToLive]);
        record.AddRange([(byte)(data.Length >> 8), (byte)data.Length]);
        record.AddRange(data);
        return [.. record];
    }

    internal static byte[] EncodeName(string name)
    {
        var bytes = new List<byte>();
        foreach (string label in name.TrimEnd('.').Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.Add(0);
        return [.. bytes];
    }

    /// <summary>A query for <paramref name="name"/> with the given ID and type (1 = A, 28 = AAAA).</summary>
    internal static byte[] Query(string name, ushort id = 0x1234, ushort type = 1)
    {
        var query = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        query.AddRange(EncodeName(name));
        query.AddRange([(byte)(type >> 8), (byte)type, 0, 1]);
        return [.. query];
    }
}
