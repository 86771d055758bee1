using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests;

/// <summary>Configuration changes made with the stock wg tool while traffic flows: roaming, allowed IPs, keys, peers, PSK.</summary>
public sealed class ConfigurationInteropTests
{
    [Fact]
    public void Roaming_ThePeersNewAddressAndPortBecomeItsEndpoint()
    {
        using var lab = new Lab();
        Peer ours = lab.Start(1, Implementation.Tunnel), theirs = lab.Start(2, Implementation.WireGuardGo);
        Lab.Connect(ours, theirs);
        Assert.True(lab.Ping(2, "10.200.0.1"));
        Assert.Equal("192.0.2.2:51820", ours.DumpOf(theirs).Endpoint);

        // wireguard-go moves to another address and port; its next packets come from there.
        // (Promoting the secondary address keeps it when the primary goes.)
        lab.Exec(2, "sysctl", "-qw", $"net.ipv4.conf.{lab.Veth(2)}.promote_secondaries=1");
        lab.Exec(2, "ip", "address", "add", "192.0.2.3/24", "dev", lab.Veth(2));
        lab.Exec(2, "ip", "address", "del", "192.0.2.2/24", "dev", lab.Veth(2));
        theirs.Set("listen-port", "51821");
        Assert.True(lab.Ping(2, "10.200.0.1"), "traffic did not continue after the move");
        Assert.Equal("192.0.2.3:51821", ours.DumpOf(theirs).Endpoint);
        Assert.True(lab.Ping(1, "10.200.0.2"), "our replies did not follow the peer");
    }

    [Fact]
    public void AllowedIps_ADisallowedInnerSourceIsDropped_UntilAllowed_AndAMoreSpecificPrefixCanMoveToAnotherPeer()
    {
        using var lab = new Lab();
        Peer ours = lab.Start(1, Implementation.Tunnel), theirs = lab.Start(2, Implementation.WireGuardGo);
        Lab.Connect(ours, theirs);
        theirs.Set("peer", ours.PublicKey, "allowed-ips", "10.200.0.0/24");
        lab.Exec(2, "ip", "address", "add", "10.200.0.99/32", "dev", theirs.Interface);

        // wireguard-go sends from 10.200.0.99, which we do not allow for that peer.
        Assert.False(lab.Ping(2, "10.200.0.1", 2, "-I", "10.200.0.99"), "a packet from a disallowed source was accepted");
        ours.Set("peer", theirs.PublicKey, "allowed-ips", "10.200.0.2/32,10.200.0.99/32");
        Assert.True(lab.Ping(2, "10.200.0.1", 2, "-I", "10.200.0.99"), "the allowed source was still dropped");

        // A third peer takes 10.200.0.99/32: more specific routes win, and the prefix leaves the old peer.
        string third = Command.Run("sh", "-c", $"wg pubkey < {lab.NewKeyFile()}").Trim();
        ours.Set("peer", third, "allowed-ips", "10.200.0.99/32");
        Assert.DoesNotContain("10.200.0.99/32", ours.DumpOf(theirs).AllowedIps, StringComparison.Ordinal);
        Assert.False(lab.Ping(2, "10.200.0.1", 2, "-I", "10.200.0.99"), "the moved prefix still reached us through the old peer");
        Assert.True(lab.Ping(2, "10.200.0.1", 2), "the peer's own address stopped working");
    }

    [Fact]
    public void KeyChange_PeerRemovalAndReAdd_AndPresharedKeyOnAndOff()
    {
        using var lab = new Lab();
        Peer ours = lab.Start(1, Implementation.Tunnel), theirs = lab.Start(2, Implementation.WireGuardGo);
        Lab.Connect(ours, theirs);
        Assert.True(lab.Ping(1, "10.200.0.2"));

        // A preshared key on our side only: the next handshake (fresh peer state on both sides) must fail.
        string psk = lab.NewKeyFile();
        Reconnect(ours, theirs, ourPsk: psk, theirPsk: null);
        Assert.False(lab.Ping(1, "10.200.0.2", 2), "a handshake succeeded with mismatched preshared keys");
        Reconnect(ours, theirs, ourPsk: psk, theirPsk: psk);
        Assert.True(lab.Ping(1, "10.200.0.2"), "no traffic with the same preshared key on both sides");
        Assert.NotEqual("(none)", ours.DumpOf(theirs).PresharedKey);
        Reconnect(ours, theirs, ourPsk: null, theirPsk: null);
        Assert.True(lab.Ping(1, "10.200.0.2"), "no traffic after removing the preshared key");
        Assert.Equal("(none)", ours.DumpOf(theirs).PresharedKey);

        // Our key changes: the peer must learn the new public key, and traffic resumes.
        string newKey = lab.NewKeyFile();
        string newPublic = Command.Run("sh", "-c", $"wg pubkey < {newKey}").Trim();
        ours.Set("private-key", newKey);
        Assert.Equal(newPublic, ours.Wg("show", ours.Interface, "public-key").Trim());
        theirs.Set("peer", ours.PublicKey, "remove");
        theirs.Set("peer", newPublic, "endpoint", "192.0.2.1:51820", "allowed-ips", "10.200.0.1/32");
        Assert.True(lab.Ping(1, "10.200.0.2"), "no traffic after our key changed");

        // Remove the peer on our side: traffic stops; add it back: traffic resumes.
        ours.Set("peer", theirs.PublicKey, "remove");
        Assert.Empty(ours.Dump());
        Assert.False(lab.Ping(1, "10.200.0.2", 1));
        ours.Set("peer", theirs.PublicKey, "endpoint", "192.0.2.2:51820", "allowed-ips", "10.200.0.2/32");
        Assert.True(lab.Ping(1, "10.200.0.2"), "no traffic after the peer was added back");
    }

    [Fact]
    public void WgQuick_StartsUsAsItsUserspaceImplementation()
    {
        using var lab = new Lab();
        Peer theirs = lab.Start(2, Implementation.WireGuardGo);
        string ourKey = lab.NewKeyFile();
        string ourPublic = Command.Run("sh", "-c", $"wg pubkey < {ourKey}").Trim();
        string name = theirs.Interface[..^1] + "q";
        string directory = Directory.CreateTempSubdirectory("tunnel-wgquick-").FullName;
        string config = Path.Combine(directory, name + ".conf");
        File.WriteAllText(config, $"""
            [Interface]
            PrivateKey = {File.ReadAllText(ourKey).Trim()}
            ListenPort = 51820
            Address = 10.200.0.1/24
            MTU = 1420

            [Peer]
            PublicKey = {theirs.PublicKey}
            Endpoint = 192.0.2.2:51820
            AllowedIPs = 10.200.0.2/32
            """);
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        theirs.Set("private-key", theirs.PrivateKeyFile, "listen-port", "51820", "peer", ourPublic, "endpoint", "192.0.2.1:51820", "allowed-ips", "10.200.0.1/32");
        theirs.Up();

        var environment = new Dictionary<string, string> { ["WG_QUICK_USERSPACE_IMPLEMENTATION"] = Lab.AgentPath, ["WG_PROCESS_FOREGROUND"] = "0" };
        try
        {
            Command.Result up = Command.Try("ip", ["netns", "exec", lab.Namespace(1), "wg-quick", "up", config], TimeSpan.FromSeconds(60), environment);
            Assert.True(up.Succeeded, $"wg-quick up failed: {up.Error}");
            Assert.True(lab.Ping(1, "10.200.0.2"), "no traffic through the wg-quick interface");
            Assert.Contains(theirs.PublicKey, lab.Exec(1, "wg", "show", name, "peers"), StringComparison.Ordinal);

            Command.Result down = Command.Try("ip", ["netns", "exec", lab.Namespace(1), "wg-quick", "down", config], TimeSpan.FromSeconds(60), environment);
            Assert.True(down.Succeeded, $"wg-quick down failed: {down.Error}");
            WaitUntil(() => !File.Exists($"/var/run/wireguard/{name}.sock"), "the daemon did not stop after wg-quick down");
        }
        finally
        {
            Command.Try("ip", ["-n", lab.Namespace(1), "link", "delete", name]);
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Removes each side's peer and adds it back (fresh sessions), with the given preshared keys.</summary>
    private static void Reconnect(Peer ours, Peer theirs, string? ourPsk, string? theirPsk)
    {
        foreach (var (self, other, psk) in new[] { (ours, theirs, ourPsk), (theirs, ours, theirPsk) })
        {
            self.Set("peer", other.PublicKey, "remove");
            self.Set("peer", other.PublicKey, "preshared-key", psk ?? "/dev/null", "endpoint", $"192.0.2.{other.Side}:51820", "allowed-ips", $"10.200.0.{other.Side}/32");
        }
    }

    private static void WaitUntil(Func<bool> condition, string message)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, message);
            Thread.Sleep(50);
        }
    }
}
