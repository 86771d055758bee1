using System.Net.Sockets;
using Tunnel.Core.Crypto;
using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests;

/// <summary>The daemon's life cycle, as wg-quick and operators rely on it.</summary>
public sealed class DaemonInteropTests
{
    [Fact]
    public void WithoutForeground_TheParentReturnsZeroOnceTheInterfaceAndSocketAreUp()
    {
        using var lab = new Lab();
        string name = lab.Namespace(1).Replace("tni", "wg", StringComparison.Ordinal)[..^1] + "d";
        try
        {
            Command.Result started = Command.Try("ip", ["netns", "exec", lab.Namespace(1), Lab.AgentPath, name], TimeSpan.FromSeconds(30));
            Assert.True(started.Succeeded, $"tunnel-agent {name} exited with {started.ExitCode}: {started.Error}");
            Assert.True(File.Exists($"/var/run/wireguard/{name}.sock"), "the socket was not up when the parent returned");
            Assert.True(lab.TryExec(1, "ip", "link", "show", name).Succeeded, "the interface was not up when the parent returned");
            Assert.Contains("listening port", lab.Exec(1, "wg", "show", name), StringComparison.Ordinal);

            // Deleting the socket file stops the detached daemon, which removes the interface.
            File.Delete($"/var/run/wireguard/{name}.sock");
            Lab.WaitUntil(() => !lab.TryExec(1, "ip", "link", "show", name).Succeeded, "the daemon kept running after its socket was deleted");
        }
        finally
        {
            Command.Try("ip", ["-n", lab.Namespace(1), "link", "delete", name]);
            File.Delete($"/var/run/wireguard/{name}.sock");
        }
    }

    [Fact]
    public void UnknownFastPathFeature_IsRefused_AndAStoppedDaemonReportsWhatItCostTheRuntime()
    {
        using var lab = new Lab();
        string name = lab.Namespace(1).Replace("tni", "wg", StringComparison.Ordinal)[..^1] + "f";
        Command.Result refused = Command.Try("ip", ["netns", "exec", lab.Namespace(1), Lab.AgentPath, "-f", name], TimeSpan.FromSeconds(30), new Dictionary<string, string> { ["TUNNEL_DISABLE"] = "udp-gso,warp-drive" });
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("unknown feature 'warp-drive'", refused.Error, StringComparison.Ordinal);
        Assert.False(lab.TryExec(1, "ip", "link", "show", name).Succeeded, "the interface was created anyway");

        // Two seconds of an idle daemon, then SIGTERM: the exit line counts collections and allocations.
        Command.Result stopped = Command.Try("ip", ["netns", "exec", lab.Namespace(1), "timeout", "-s", "TERM", "2", Lab.AgentPath, "-f", name], TimeSpan.FromSeconds(30));
        Assert.Equal(124, stopped.ExitCode); // timeout(1) reports that it sent the signal
        Assert.Matches($@"{name} stopped\. Ran [0-9.]+ s: GC collections gen0 [0-9]+, gen1 [0-9]+, gen2 [0-9]+; [0-9,]+ bytes allocated", stopped.Error);
        // A JIT-compiled daemon chooses by CPU as this process does; a native one as it was built (test.sh says which).
        string aead = Environment.GetEnvironmentVariable("TUNNEL_AGENT_AEAD") is { Length: > 0 } built ? built : AeadBackend.Current.ToString();
        Assert.Contains($"ChaCha20-Poly1305: {aead}.", stopped.Error, StringComparison.Ordinal);
        Assert.Contains($"Crypto helper threads: {TunnelOptions.DefaultCryptoHelperThreads}.", stopped.Error, StringComparison.Ordinal);

        // TUNNEL_CRYPTO_HELPERS sets the helpers, and refuses what is not a count.
        stopped = Command.Try("ip", ["netns", "exec", lab.Namespace(1), "timeout", "-s", "TERM", "2", Lab.AgentPath, "-f", name], TimeSpan.FromSeconds(30), new Dictionary<string, string> { ["TUNNEL_CRYPTO_HELPERS"] = "3" });
        Assert.Equal(124, stopped.ExitCode);
        Assert.Contains("Crypto helper threads: 3.", stopped.Error, StringComparison.Ordinal);
        refused = Command.Try("ip", ["netns", "exec", lab.Namespace(1), Lab.AgentPath, "-f", name], TimeSpan.FromSeconds(30), new Dictionary<string, string> { ["TUNNEL_CRYPTO_HELPERS"] = "-1" });
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("TUNNEL_CRYPTO_HELPERS: '-1' is not a number of threads", refused.Error, StringComparison.Ordinal);

        // TUNNEL_DISABLE=aead-avx512 keeps the managed one on AVX2 (or libsodium, where the build has no AVX2).
        stopped = Command.Try("ip", ["netns", "exec", lab.Namespace(1), "timeout", "-s", "TERM", "2", Lab.AgentPath, "-f", name], TimeSpan.FromSeconds(30), new Dictionary<string, string> { ["TUNNEL_DISABLE"] = "aead-avx512" });
        Assert.Equal(124, stopped.ExitCode);
        Assert.Contains($"ChaCha20-Poly1305: {(aead == "ManagedAvx512" ? "ManagedAvx2" : aead)}.", stopped.Error, StringComparison.Ordinal);

        // TUNNEL_DISABLE=aead-simd keeps libsodium.
        stopped = Command.Try("ip", ["netns", "exec", lab.Namespace(1), "timeout", "-s", "TERM", "2", Lab.AgentPath, "-f", name], TimeSpan.FromSeconds(30), new Dictionary<string, string> { ["TUNNEL_DISABLE"] = "aead-simd" });
        Assert.Equal(124, stopped.ExitCode);
        Assert.Contains("ChaCha20-Poly1305: Libsodium.", stopped.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void DeletingTheInterface_StopsTheDaemonAndRemovesItsSocket()
    {
        using var lab = new Lab();
        Peer ours = lab.Start(1, Implementation.Tunnel);
        lab.Exec(1, "ip", "link", "delete", ours.Interface);
        Lab.WaitUntil(() => ours.HasExited, "the daemon kept running without its interface");
        Assert.False(File.Exists(ours.SocketPath));
    }

    [Fact]
    public void Fwmark_MarksTheSocket_AnUnknownOperationClosesTheConnection_AndSigtermStopsTheDaemon()
    {
        using var lab = new Lab();
        Peer ours = lab.Start(1, Implementation.Tunnel);
        using (var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            client.Connect(new UnixDomainSocketEndPoint(ours.SocketPath));
            client.Send("bogus=1\n\n"u8);
            client.ReceiveTimeout = 5000;
            Assert.Equal(0, client.Receive(new byte[64])); // closed without an answer
        }

        Assert.Equal("off", ours.Wg("show", ours.Interface, "fwmark").Trim());
        ours.Set("fwmark", "0x1234");
        Assert.Equal("0x1234", ours.Wg("show", ours.Interface, "fwmark").Trim());
        string port = ours.Wg("show", ours.Interface, "listen-port").Trim();
        string sockets = lab.Exec(1, "ss", "-uaneH", "sport", "=", ":" + port);
        Assert.Contains("fwmark:0x1234", sockets, StringComparison.Ordinal);

        ours.Dispose(); // SIGTERM, as the lab and systemd stop it
        Assert.True(ours.HasExited);
        Assert.False(File.Exists(ours.SocketPath));
    }
}
