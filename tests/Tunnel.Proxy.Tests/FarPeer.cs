using System.Buffers.Binary;
using System.Net;
using System.Text;
using Tunnel.Configuration;
using Tunnel.Core.Crypto;
using Tunnel.Dns;
using Tunnel.Net;
using Tunnel.Testing;

namespace Tunnel.Proxy.Tests;

/// <summary>
/// The far end of the tests' tunnels: an in-process WireGuard peer (10.97.0.2) over UDP on 127.0.0.1, running a name
/// server (web.corp.example is itself, everything else does not exist) and an HTTP server on port 80 (answering with
/// its request line, or for <c>/headers</c> with the whole request head), and the <c>.conf</c> that reaches it.
/// </summary>
internal sealed class FarPeer : IAsyncDisposable
{
    public static readonly IPAddress Address = IPAddress.Parse("10.97.0.2");

    private readonly CancellationTokenSource _stop = new();
    private readonly TunnelUdpClient _dns;
    private readonly TunnelTcpListener _web;
    private readonly Task _serving;

    private FarPeer(TunnelNetwork network, string clientConfiguration)
    {
        Network = network;
        ClientConfiguration = clientConfiguration;
        _dns = network.OpenUdp(53);
        _web = network.ListenTcp(80);
        _serving = Task.WhenAll(ServeDnsAsync(_stop.Token), ServeHttpAsync(_stop.Token));
    }

    public TunnelNetwork Network { get; }

    /// <summary>A <c>.conf</c> for the near end: 10.97.0.1, this peer's DNS, an endpoint on 127.0.0.1.</summary>
    public string ClientConfiguration { get; }

    public static async Task<FarPeer> StartAsync(int seed)
    {
        PrivateKey near = NewKey(seed), far = NewKey(seed + 1);
        TunnelNetwork network = await TunnelNetwork.StartAsync(WireGuardConfiguration.Parse($"""
            [Interface]
            PrivateKey = {far.ToBase64String()}
            Address = {Address}/32

            [Peer]
            PublicKey = {near.GetPublicKey().ToBase64String()}
            AllowedIPs = 10.97.0.1/32
            """));
        string client = $"""
            [Interface]
            PrivateKey = {near.ToBase64String()}
            Address = 10.97.0.1/32
            DNS = {Address}

            [Peer]
            PublicKey = {far.GetPublicKey().ToBase64String()}
            AllowedIPs = 10.97.0.0/24
            Endpoint = 127.0.0.1:{network.Host.ListenPort}
            PersistentKeepalive = 1
            """;
        return new FarPeer(network, client);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _dns.Dispose();
        _web.Dispose();
        await _serving.ContinueWith(_ => { }, TaskScheduler.Default);
        await Network.DisposeAsync();
        _stop.Dispose();
    }

    private static PrivateKey NewKey(int seed)
    {
        var bytes = new byte[32];
        new DeterministicEntropy(seed).Fill(bytes);
        return PrivateKey.Create(bytes);
    }

    private async Task ServeDnsAsync(CancellationToken cancellationToken)
    {
        var query = new byte[512];
        while (true)
        {
            TunnelUdpReceiveResult received = await _dns.ReceiveFromAsync(query, cancellationToken);
            bool known;
            DnsRecordType type;
            int end;
            {
                if (!DnsMessage.TryParse(query.AsSpan(0, received.ReceivedBytes), out DnsMessage message) || !message.TryGetQuestion(out DnsQuestion question))
                {
                    continue;
                }

                known = question.Name.EqualsDotted("web.corp.example"u8) && question.Type == DnsRecordType.A;
                type = question.Type;
                end = 12 + question.Name.WireLength + 4;
            }

            var answer = new List<byte>(query.AsSpan(0, end).ToArray());
            answer[2] = 0x81;
            answer[3] = (byte)(known || type == DnsRecordType.AAAA ? 0x80 : 0x83);
            answer[7] = (byte)(known ? 1 : 0);
            if (known)
            {
                var record = new byte[16];
                record[0] = 0xC0;
                record[1] = 12;
                BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(2), 1);
                BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(4), 1);
                BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(6), 60);
                BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(10), 4);
                Address.GetAddressBytes().CopyTo(record, 12);
                answer.AddRange(record);
            }

            await _dns.SendToAsync(answer.ToArray(), received.RemoteEndPoint, cancellationToken);
        }
    }

    private async Task ServeHttpAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TunnelTcpStream connection = await _web.AcceptAsync(cancellationToken);
            _ = Task.Run(async () =>
            {
                await using (connection)
                {
                    var request = new StringBuilder();
                    var buffer = new byte[4096];
                    while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        int read = await connection.ReadAsync(buffer, cancellationToken);
                        if (read == 0)
                        {
                            return;
                        }

                        request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }

                    string line = request.ToString()[..request.ToString().IndexOf('\r', StringComparison.Ordinal)];
                    string head = request.ToString()[..request.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)];
                    string body = line.Contains(" /headers", StringComparison.Ordinal) ? head : $"far peer: {line[..line.LastIndexOf(' ')]}";
                    await connection.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"), cancellationToken);
                }
            }, cancellationToken);
        }
    }
}
