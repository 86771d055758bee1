using System.Diagnostics;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests.Agent;

/// <summary>wireguard-go in the lab's gateway namespace: 10.99.0.1/24, port 51820, the agent as its one peer (10.99.0.2/32).</summary>
internal sealed class GatewayProcess : IDisposable
{
    private readonly NamespaceProcess _process;

    public GatewayProcess(AgentLab lab, string clientPublicKey)
    {
        string name = $"wgg{lab.Gateway[3..]}";
        string key = Path.Combine(lab.Directory, "gateway.key");
        File.WriteAllText(key, Command.Run("wg", "genkey"));
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        PublicKey = Command.Run("sh", "-c", $"wg pubkey < {key}").Trim();

        _process = new NamespaceProcess(lab.Gateway, "wireguard-go", ["-f", name], new Dictionary<string, string> { ["WG_PROCESS_FOREGROUND"] = "1", ["LOG_LEVEL"] = "error" });
        var deadline = Stopwatch.StartNew();
        while (!File.Exists($"/var/run/wireguard/{name}.sock"))
        {
            Assert.False(_process.HasExited, $"wireguard-go exited: {_process.Log}");
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"wireguard-go did not start in 20 s: {_process.Log}");
            Thread.Sleep(50);
        }

        Command.Run("ip", "netns", "exec", lab.Gateway, "wg", "set", name, "private-key", key, "listen-port", "51820", "peer", clientPublicKey, "allowed-ips", $"{AgentLab.TunnelAddress}/32");
        Command.Run("ip", "-n", lab.Gateway, "address", "add", "10.99.0.1/24", "dev", name);
        Command.Run("ip", "-n", lab.Gateway, "link", "set", name, "mtu", "1420", "up");
    }

    public string PublicKey { get; }

    public void Dispose() => _process.Dispose();
}
