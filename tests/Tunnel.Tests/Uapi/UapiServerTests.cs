using System.Net;
using System.Net.Sockets;
using System.Text;
using Tunnel.Core.Crypto;
using Tunnel.Testing;
using Tunnel.Tests.Hosting;
using Tunnel.Uapi;

namespace Tunnel.Tests.Uapi;

public sealed class UapiServerTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tunnel-uapi-").FullName;
    private HostPair _pair = null!;
    private UapiServer _server = null!;

    private string SocketPath => Path.Combine(_directory, "wg-test.sock");

    public ValueTask InitializeAsync()
    {
        _pair = HostPair.StartInMemory();
        _server = new UapiServer(_pair.A, SocketPath);
        _server.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _pair.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Get_AnswersInWireGuardGoOrder_EndingWithErrnoZeroAndAnEmptyLine()
    {
        string answer = await ExchangeAsync("get=1\n\n");
        string peer = _pair.KeyB.GetPublicKey().ToHexString();
        string expectedStart = $"private_key={_pair.KeyA.ToHexString()}\nlisten_port={_pair.A.ListenPort}\npublic_key={peer}\n"
            + "preshared_key=0000000000000000000000000000000000000000000000000000000000000000\nprotocol_version=1\n"
            + $"endpoint=192.0.2.2:{_pair.B.ListenPort}\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\n"
            + "tx_bytes=0\nrx_bytes=0\npersistent_keepalive_interval=0\nallowed_ip=10.0.0.2/32\nerrno=0\n\n";
        Assert.Equal(expectedStart, answer);
    }

    [Fact]
    public async Task Set_ThatFails_AnswersEinval_AndChangesNothing()
    {
        UapiDeviceState before = _pair.A.GetState();
        string answer = await ExchangeAsync($"set=1\nlisten_port=51999\npublic_key={_pair.KeyB.GetPublicKey().ToHexString()}\nallowed_ip=10.1.0.0/16\nendpoint=notanendpoint\n\n");
        Assert.Equal("errno=-22\n\n", answer);
        UapiDeviceState after = _pair.A.GetState();
        Assert.Equal(before.ListenPort, after.ListenPort);
        Assert.Equal(before.Peers.Single().AllowedIps, after.Peers.Single().AllowedIps);
    }

    [Fact]
    public async Task UnknownOperation_ClosesTheConnectionWithoutAnswer()
    {
        Assert.Equal(string.Empty, await ExchangeAsync("bogus=1\n\n"));
    }

    [Fact]
    public async Task OneConnection_CarriesSeveralOperations()
    {
        string answer = await ExchangeAsync("set=1\nlisten_port=0\n\nget=1\n\n");
        Assert.StartsWith("errno=0\n\nprivate_key=", answer, StringComparison.Ordinal);
        Assert.EndsWith("errno=0\n\n", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_SetsAndReadsBack()
    {
        var client = new UapiClient(SocketPath);
        PublicKey third = HostPair.NewKey(new DeterministicEntropy(99)).GetPublicKey();
        await client.SetAsync(
            new UapiSetRequest
            {
                Peers =
                [
                    new UapiPeerUpdate
                    {
                        PublicKey = third,
                        Endpoint = new IPEndPoint(IPAddress.Parse("2001:db8::1"), 51820),
                        PersistentKeepaliveInterval = 25,
                        AllowedIps = [new UapiAllowedIpChange(IPNetwork.Parse("10.3.0.0/16"), Remove: false)],
                    },
                ],
            },
            TestContext.Current.CancellationToken);

        UapiDeviceState state = await client.GetAsync(TestContext.Current.CancellationToken);
        Assert.Equal(_pair.KeyA.ToHexString(), state.PrivateKey!.Value.ToHexString());
        Assert.Equal(2, state.Peers.Count);
        UapiPeerState added = state.Peers.Single(peer => peer.PublicKey == third);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 51820), added.Endpoint);
        Assert.Equal(25, added.PersistentKeepaliveInterval);
        Assert.Equal([IPNetwork.Parse("10.3.0.0/16")], added.AllowedIps);

        // An all-zero key removes the key, as in wireguard-go: get then reports none, and nothing is invented.
        await client.SetAsync(new UapiSetRequest { PrivateKey = default(PrivateKey) }, TestContext.Current.CancellationToken);
        Assert.Null((await client.GetAsync(TestContext.Current.CancellationToken)).PrivateKey);
        Assert.Null(_pair.A.PublicKey);
    }

    [Fact]
    public async Task DeletingTheSocketFile_CompletesTheServer()
    {
        File.Delete(SocketPath);
        await _server.Completion.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Start_RefusesASocketAnotherServerServes_AndReplacesAStaleOne()
    {
        await using var second = new UapiServer(_pair.B, SocketPath);
        Assert.Throws<IOException>(second.Start);

        string stale = Path.Combine(_directory, "stale.sock");
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            dead.Bind(new UnixDomainSocketEndPoint(stale)); // bound, never listening: nobody answers
        }

        await using var third = new UapiServer(_pair.B, stale);
        third.Start();
        Assert.Equal(_pair.B.ListenPort, (await new UapiClient(stale).GetAsync(TestContext.Current.CancellationToken)).ListenPort);
    }

    private async Task<string> ExchangeAsync(string request)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), TestContext.Current.CancellationToken);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), TestContext.Current.CancellationToken);
        socket.Shutdown(SocketShutdown.Send);
        var answer = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken)) > 0)
        {
            answer.Write(buffer, 0, read);
        }

        return Encoding.ASCII.GetString(answer.ToArray());
    }
}
