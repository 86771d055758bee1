using System.Diagnostics;

namespace Tunnel.Interop.Tests.Infrastructure;

/// <summary>A WireGuard daemon (ours or wireguard-go) running in one side of a <see cref="Lab"/>, configured with the stock wg tool.</summary>
internal sealed class Peer : IDisposable
{
    private readonly NamespaceProcess _process;
    private bool _disposed;

    public Peer(Lab lab, int side, Implementation implementation, string interfaceName, IReadOnlyDictionary<string, string>? environment = null)
    {
        Lab = lab;
        Side = side;
        Implementation = implementation;
        Interface = interfaceName;
        PrivateKeyFile = lab.NewKeyFile();
        PublicKey = Command.Run("sh", "-c", $"wg pubkey < {PrivateKeyFile}").Trim();

        string program = implementation == Implementation.Tunnel ? Lab.AgentPath : "wireguard-go";
        var variables = new Dictionary<string, string> { ["WG_PROCESS_FOREGROUND"] = "1", ["LOG_LEVEL"] = "error" };
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            variables[name] = value;
        }

        _process = new NamespaceProcess(lab.Namespace(side), program, ["-f", interfaceName], variables);

        var deadline = Stopwatch.StartNew();
        while (!File.Exists(SocketPath) || !Command.Try("ip", ["-n", lab.Namespace(side), "link", "show", interfaceName]).Succeeded)
        {
            Assert.False(_process.HasExited, $"{implementation} exited with {(_process.HasExited ? _process.ExitCode : 0)}: {Log}");
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"{implementation} did not create {interfaceName} and its socket in 20 s: {Log}");
            Thread.Sleep(50);
        }
    }

    public Lab Lab { get; }

    public int Side { get; }

    public Implementation Implementation { get; }

    public string Interface { get; }

    public string PrivateKeyFile { get; }

    public string PublicKey { get; }

    public string SocketPath => $"/var/run/wireguard/{Interface}.sock";

    public bool HasExited => _disposed || _process.HasExited;

    public string Log => _process.Log;

    /// <summary>CPU time the daemon has used so far (user and system).</summary>
    public TimeSpan CpuTime => _process.CpuTime;

    /// <summary>The daemon's resident set, in bytes.</summary>
    public long ResidentBytes => _process.ResidentBytes;

    /// <summary>Stops the daemon (SIGTERM) and returns everything it wrote, its exit summary last.</summary>
    public string StopAndReadLog()
    {
        _process.Stop(TimeSpan.FromSeconds(10));
        return _process.Log;
    }

    /// <summary><c>wg ARGS</c> in this side's namespace.</summary>
    public string Wg(params string[] arguments) => Lab.Exec(Side, "wg", arguments);

    /// <summary><c>wg set IF ARGS</c>.</summary>
    public void Set(params string[] arguments) => Wg(["set", Interface, .. arguments]);

    public IReadOnlyList<PeerDump> Dump() => PeerDump.Parse(Wg("show", Interface, "dump"));

    public PeerDump DumpOf(Peer other) => Dump().Single(peer => peer.PublicKey == other.PublicKey);

    /// <summary>Gives the interface its tunnel addresses (10.200.0.SIDE/24, fd00:200::SIDE/64) and brings it up.</summary>
    public void Up()
    {
        Lab.Exec(Side, "ip", "address", "add", $"10.200.0.{Side}/24", "dev", Interface);
        Lab.Exec(Side, "ip", "address", "add", $"fd00:200::{Side}/64", "dev", Interface, "nodad");
        Lab.Exec(Side, "ip", "link", "set", Interface, "mtu", "1420", "up");
    }

    /// <summary>Stops the daemon the way the lab does: SIGTERM, then SIGKILL after 5 s.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _process.Stop(TimeSpan.FromSeconds(5));
        _process.Dispose();
        File.Delete(SocketPath);
    }
}
