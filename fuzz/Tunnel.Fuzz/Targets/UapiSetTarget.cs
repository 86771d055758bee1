using System.Net;
using Tunnel.Core.Crypto;
using Tunnel.Testing;
using Tunnel.Uapi;
using static Tunnel.Fuzz.FuzzText;

namespace Tunnel.Fuzz.Targets;

/// <summary>
/// The UAPI <c>set=1</c> request parser (<see cref="UapiProtocol.TryParseSet"/>), which takes what any local
/// user with access to the socket sends, applied to a running <see cref="TunnelHost"/> over the in-memory
/// TUN device and network. The input is the operation's lines up to the empty line that ends it. Promises:
/// a refused request answers a negative errno with a reason and leaves <c>get=1</c> byte for byte as it was
/// (no partial apply, even when the refusal comes after a rebind); an applied one reads back through
/// <c>get=1</c> to a set request that, applied again, changes nothing.
/// </summary>
internal sealed class UapiSetTarget : IFuzzTarget
{
    /// <summary>The port the host listens on after the baseline, and one that another socket holds.</summary>
    private const ushort Port = 51820, PortInUse = 51821;

    private static readonly string[] Baseline = BaselineLines();
    private static readonly HashSet<string> SettableKeys = ["private_key", "listen_port", "fwmark", "public_key", "preshared_key", "endpoint", "persistent_keepalive_interval", "allowed_ip"];

    private readonly Lazy<TunnelHost> _host = new(StartHost);

    /// <summary>The get answer of the baseline, while the host is known to be in it; null when it must be reset.</summary>
    private string? _baseline;

    public string Name => "uapi-set";

    public void Run(ReadOnlySpan<byte> data)
    {
        TunnelHost host = _host.Value;
        if (_baseline is null)
        {
            // Only after a set that changed something: most inputs do not parse, and a reset costs key agreements.
            Require(Configure(host, Baseline, out _) == 0, "the baseline configuration was refused");
            _baseline = GetState(host);
        }

        string before = _baseline;

        // UapiConnection reads lines up to the empty one that ends the operation.
        List<string> lines = [.. Decode(data).Split('\n').TakeWhile(line => line.Length > 0)];
        if (!UapiProtocol.TryParseSet(lines, out UapiSetRequest? request, out int errno, out string? error))
        {
            Require(errno < 0 && error.Length > 0, $"a refused request without an errno ({errno}) or a reason");
            return;
        }

        Require(errno == 0 && error is null, "an accepted request with an errno or a reason");
        _baseline = null;
        errno = UapiHandler.Set(host, request, out error);
        if (errno != 0)
        {
            Require(errno < 0 && !string.IsNullOrEmpty(error), $"a refused set without an errno ({errno}) or a reason");
            string after = GetState(host);
            Require(after == before, $"a refused set ({error}) changed the state:\n{before}---\n{after}");
            _baseline = before;
            return;
        }

        Require(errno == 0, "an applied set with an errno");
        string applied = Stable(GetState(host));

        // get=1 as a set request (replacing every peer) must reproduce the same state.
        string[] echo = ["replace_peers=true", "fwmark=0", .. applied.Split('\n').Where(line => SettableKeys.Contains(line.Split('=')[0]))];
        int echoed = Configure(host, echo, out string? echoError);
        Require(echoed == 0, $"the state read back does not apply again ({echoed}: {echoError}):\n{applied}");
        string again = Stable(GetState(host));
        Require(again == applied, $"the state read back and applied again differs:\n{applied}---\n{again}");
    }

    /// <summary>The get answer without its closing status line, which is not part of the state.</summary>
    private static string GetState(TunnelHost host)
    {
        string answer = UapiHandler.Get(host);
        string status = UapiProtocol.FormatStatus(UapiErrno.None);
        Require(answer.EndsWith(status, StringComparison.Ordinal), "a get answer that does not end with errno=0");
        return answer[..^status.Length];
    }

    private static int Configure(TunnelHost host, IEnumerable<string> lines, out string? error)
    {
        if (!UapiProtocol.TryParseSet(lines, out var request, out int errno, out error))
        {
            return errno;
        }

        return UapiHandler.Set(host, request, out error);
    }

    /// <summary>
    /// The get answer without what traffic and time change (counters, handshake times), peers sorted by key:
    /// like wireguard-go's, the device's peer order is not a promise, and replacing the peers may change it.
    /// </summary>
    private static string Stable(string get)
    {
        var device = new List<string>();
        var peers = new List<List<string>>();
        foreach (string line in get.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith("tx_bytes=", StringComparison.Ordinal) || line.StartsWith("rx_bytes=", StringComparison.Ordinal) || line.StartsWith("last_handshake_time_", StringComparison.Ordinal))
            {
                continue;
            }

            if (line.StartsWith("public_key=", StringComparison.Ordinal))
            {
                peers.Add([]);
            }

            (peers.Count == 0 ? device : peers[^1]).Add(line);
        }

        return string.Join('\n', [.. device, .. peers.Select(peer => string.Join('\n', peer)).Order(StringComparer.Ordinal)]);
    }

    private static TunnelHost StartHost()
    {
        var network = new InMemoryNetwork();
        var factory = network.CreateSocketFactory(IPAddress.Parse("192.0.2.1"));
        _ = factory.Bind(PortInUse, 0); // held for the process's life, so a set of this port fails with EADDRINUSE
        var host = new TunnelHost(
            new TunnelOptions { PrivateKey = Key(1), ListenPort = Port, CryptoHelperThreads = 0 },
            new InMemoryTunDevice("fuzz0"),
            factory);
        host.Start();
        return host;
    }

    private static PrivateKey Key(byte seed)
    {
        Span<byte> bytes = stackalloc byte[32];
        bytes.Fill(seed);
        return PrivateKey.Create(bytes);
    }

    private static string[] BaselineLines() =>
    [
        $"private_key={Key(1).ToHexString()}",
        $"listen_port={Port}",
        "fwmark=0",
        "replace_peers=true",
        $"public_key={Key(2).GetPublicKey().ToHexString()}",
        $"preshared_key={new string('a', 64)}",
        "endpoint=192.0.2.7:51820",
        "allowed_ip=10.0.0.0/24",
        "allowed_ip=fd00::/64",
        $"public_key={Key(3).GetPublicKey().ToHexString()}",
        "endpoint=[2001:db8::7]:51820",
        "allowed_ip=10.0.1.0/24",
    ];
}
