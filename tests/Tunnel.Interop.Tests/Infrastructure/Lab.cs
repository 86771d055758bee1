using System.Globalization;

namespace Tunnel.Interop.Tests.Infrastructure;

/// <summary>
/// Two network namespaces joined by a veth pair (192.0.2.SIDE/24 and fd00:192::SIDE/64), each able to run a
/// WireGuard daemon. Interface names are unique per lab, so both sides' UAPI sockets can share
/// /var/run/wireguard. Everything is deleted on dispose.
/// </summary>
internal sealed class Lab : IDisposable
{
    private static int s_count;
    private readonly string _id;
    private readonly List<Peer> _peers = [];
    private readonly string _keys = Directory.CreateTempSubdirectory("tunnel-interop-").FullName;

    public Lab()
    {
        Requirements.Check();
        _id = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId % 1000}x{Interlocked.Increment(ref s_count)}");
        for (int side = 1; side <= 2; side++)
        {
            Command.Run("ip", "netns", "add", Namespace(side));
        }

        Command.Run("ip", "link", "add", Veth(1), "netns", Namespace(1), "type", "veth", "peer", "name", Veth(2), "netns", Namespace(2));
        for (int side = 1; side <= 2; side++)
        {
            Exec(side, "ip", "link", "set", "lo", "up"); // .NET stalls in a namespace without loopback
            Exec(side, "ip", "address", "add", $"192.0.2.{side}/24", "dev", Veth(side));
            Exec(side, "ip", "address", "add", $"fd00:192::{side}/64", "dev", Veth(side), "nodad");
            Exec(side, "ip", "link", "set", Veth(side), "up");
        }
    }

    /// <summary>
    /// The daemon under test: <c>TUNNEL_AGENT</c> when set (the test command points it at the native AOT
    /// build), else the tunnel-agent apphost built beside this test assembly.
    /// </summary>
    public static string AgentPath
    {
        get
        {
            if (Environment.GetEnvironmentVariable("TUNNEL_AGENT") is { Length: > 0 } published)
            {
                Assert.True(File.Exists(published), $"TUNNEL_AGENT names {published}, which does not exist.");
                return published;
            }

            string configuration = Path.GetFileName(AppContext.BaseDirectory.TrimEnd('/'));
            string path = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "Tunnel.Agent", configuration, "tunnel-agent"));
            Assert.True(File.Exists(path), $"tunnel-agent is not built at {path}.");
            return path;
        }
    }

    public string Namespace(int side) => $"tni{_id}{(side == 1 ? 'a' : 'b')}";

    public string Veth(int side) => $"ve{_id}{(side == 1 ? 'a' : 'b')}";

    public static string Underlay(int side, bool ipv6) => ipv6 ? $"[fd00:192::{side}]" : $"192.0.2.{side}";

    public string Exec(int side, string program, params string[] arguments) => Command.Run("ip", ["netns", "exec", Namespace(side), program, .. arguments]);

    /// <summary>
    /// Starts a one-shot iperf3 server in <paramref name="side"/>'s namespace on <paramref name="address"/> and waits
    /// until it listens: <c>iperf3 -D</c> returns before its socket is bound, and a client that comes too soon is refused.
    /// </summary>
    public void StartIperfServer(int side, string address)
    {
        Exec(side, "iperf3", "-s", "-D", "-1", "-B", address);
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!TryExec(side, "ss", "-Hltn", "sport = :5201").Output.Contains("LISTEN", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"iperf3 did not listen on {address} in side {side}'s namespace within 10 s");
            Thread.Sleep(50);
        }
    }

    public Command.Result TryExec(int side, string program, params string[] arguments) =>
        Command.Try("ip", ["netns", "exec", Namespace(side), program, .. arguments], TimeSpan.FromMinutes(5));

    public Peer Start(int side, Implementation implementation, string? interfaceName = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var peer = new Peer(this, side, implementation, interfaceName ?? $"wg{_id}{side}", environment);
        _peers.Add(peer);
        return peer;
    }

    /// <summary>A fresh private key in a 0600 file, from <c>wg genkey</c>.</summary>
    public string NewKeyFile()
    {
        string path = Path.Combine(_keys, $"key{Directory.GetFiles(_keys).Length}");
        File.WriteAllText(path, Command.Run("wg", "genkey"));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    /// <summary>
    /// Configures two peers for each other with <c>wg set</c> (listen port 51820, the other's underlay
    /// endpoint, its /32 and /128 as allowed IPs) and brings both interfaces up.
    /// </summary>
    public static void Connect(Peer one, Peer two, bool ipv6Outer = false)
    {
        foreach (var (self, other) in new[] { (one, two), (two, one) })
        {
            self.Set(
                "private-key", self.PrivateKeyFile, "listen-port", "51820",
                "peer", other.PublicKey, "endpoint", $"{Underlay(other.Side, ipv6Outer)}:51820",
                "allowed-ips", $"10.200.0.{other.Side}/32,fd00:200::{other.Side}/128");
            self.Up();
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing with <paramref name="message"/> after 10 s.</summary>
    public static void WaitUntil(Func<bool> condition, string message)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, message);
            Thread.Sleep(50);
        }
    }

    /// <summary>Pings from one side; true when every echo was answered.</summary>
    public bool Ping(int side, string target, int count = 3, params string[] options) =>
        TryExec(side, "ping", ["-c", count.ToString(CultureInfo.InvariantCulture), "-i", "0.2", "-W", "2", .. options, target]).Succeeded;

    public void Dispose()
    {
        foreach (Peer peer in _peers)
        {
            peer.Dispose();
        }

        for (int side = 1; side <= 2; side++)
        {
            Command.Try("ip", ["netns", "delete", Namespace(side)]);
        }

        Directory.Delete(_keys, recursive: true);
    }
}
