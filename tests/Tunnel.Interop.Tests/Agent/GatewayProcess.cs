using System.Diagnostics;
using System.Text;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests.Agent;

/// <summary>wireguard-go in the lab's gateway namespace: 10.99.0.1/24, port 51820, the agent as its one peer (10.99.0.2/32).</summary>
internal sealed class GatewayProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public GatewayProcess(AgentLab lab, string clientPublicKey)
    {
        string name = $"wgg{lab.Gateway[3..]}";
        string key = Path.Combine(lab.Directory, "gateway.key");
        File.WriteAllText(key, Command.Run("wg", "genkey"));
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        PublicKey = Command.Run("sh", "-c", $"wg pubkey < {key}").Trim();

        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "netns", "exec", lab.Gateway, "wireguard-go", "-f", name })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["WG_PROCESS_FOREGROUND"] = "1";
        start.Environment["LOG_LEVEL"] = "error";
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (!File.Exists($"/var/run/wireguard/{name}.sock"))
        {
            Assert.False(_process.HasExited, $"wireguard-go exited: {_log}");
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"wireguard-go did not start in 20 s: {_log}");
            Thread.Sleep(50);
        }

        Command.Run("ip", "netns", "exec", lab.Gateway, "wg", "set", name, "private-key", key, "listen-port", "51820", "peer", clientPublicKey, "allowed-ips", $"{AgentLab.TunnelAddress}/32");
        Command.Run("ip", "-n", lab.Gateway, "address", "add", "10.99.0.1/24", "dev", name);
        Command.Run("ip", "-n", lab.Gateway, "link", "set", name, "mtu", "1420", "up");
    }

    public string PublicKey { get; }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }
}
