using Tunnel.Interop.Tests.Infrastructure;

namespace Tunnel.Interop.Tests;

/// <summary>Configuration changes made with the stock wg tool while traffic flows: roaming, allowed IPs, keys, peers, PSK.</summary>
public sealed class ConfigurationInteropTests
{
    [Theory]
    [MemberData(nameof(Pairings.All), MemberType = typeof(Pairings))]
    public void Roaming_ThePeersNewAddressAndPortBecomeItsEndpoint(Implementation one, Implementation two)
    {
        using var lab = new Lab();
        Peer side1 = lab.Start(1, one), side2 = lab.Start(2, two);
        Lab.Connect(side1, side2);
        Assert.True(lab.Ping(2, "10.200.0.1"));
        Assert.Equal("192.0.2.2:51820", side1.DumpOf(side2).Endpoint);

        // Side 2 moves to another address and port; its next packets come from there.
        // (Promoting the secondary address keeps it when the primary goes.)
        lab.Exec(2, "sysctl", "-qw", $"net.ipv4.conf.{lab.Veth(2)}.promote_secondaries=1");
        lab.Exec(2, "ip", "address", "add", "192.0.2.3/24", "dev", lab.Veth(2));
        lab.Exec(2, "ip", "address", "del", "192.0.2.2/24", "dev", lab.Veth(2));
        side2.Set("listen-port", "51821");
        Assert.True(lab.Ping(2, "10.200.0.1"), "traffic did not continue after the move");
        Assert.Equal("192.0.2.3:51821", side1.DumpOf(side2).Endpoint);
        Assert.True(lab.Ping(1, "10.200.0.2"), "side 1's replies did not follow the peer");
    }

    [Theory]
    [MemberData(nameof(Pairings.All), MemberType = typeof(Pairings))]
    public void AllowedIps_ADisallowedInnerSourceIsDropped_UntilAllowed_AndAMoreSpecificPrefixCanMoveToAnotherPeer(Implementation one, Implementation two)
    {
        using var lab = new Lab();
        Peer side1 = lab.Start(1, one), side2 = lab.Start(2, two);
        Lab.Connect(side1, side2);
        side2.Set("peer", side1.PublicKey, "allowed-ips", "10.200.0.0/24");
        lab.Exec(2, "ip", "address", "add", "10.200.0.99/32", "dev", side2.Interface);

        // Side 2 sends from 10.200.0.99, which side 1 does not allow for that peer.
        Assert.False(lab.Ping(2, "10.200.0.1", 2, "-I", "10.200.0.99"), "a packet from a disallowed source was accepted");
        side1.Set("peer", side2.PublicKey, "allowed-ips", "10.200.0.2/32,10.200.0.99/32");
        Assert.True(lab.Ping(2, "10.200.0.1", 2, "-I", "10.200.0.99"), "the allowed source was still dropped");

        // A third peer takes 10.200.0.99/32: more specific routes win, and the prefix leaves the old peer.
        string third = Command.Run("sh", "-c", $"wg pubkey < {lab.NewKeyFile()}").Trim();
        side1.Set("peer", third, "allowed-ips", "10.200.0.99/32");
        Assert.DoesNotContain("10.200.0.99/32", side1.DumpOf(side2).AllowedIps, StringComparison.Ordinal);
        Assert.False(lab.Ping(2, "10.200.0.1", 2, "-I", "10.200.0.99"), "the moved prefix still arrived through the old peer");
        Assert.True(lab.Ping(2, "10.200.0.1", 2), "the peer's own address stopped working");
    }

    [Theory]
    [MemberData(nameof(Pairings.All), MemberType = typeof(Pairings))]
    public void KeyChange_PeerRemovalAndReAdd_AndPresharedKeyOnAndOff(Implementation one, Implementation two)
    {
        using var lab = new Lab();
        Peer side1 = lab.Start(1, one), side2 = lab.Start(2, two);
        Lab.Connect(side1, side2);
        Assert.True(lab.Ping(1, "10.200.0.2"));

        // A preshared key on side 1 only: the next handshake (fresh peer state on both sides) must fail.
        string psk = lab.NewKeyFile();
        Reconnect(side1, side2, psk1: psk, psk2: null);
        Assert.False(lab.Ping(1, "10.200.0.2", 2), "a handshake succeeded with mismatched preshared keys");
        Reconnect(side1, side2, psk1: psk, psk2: psk);
        Assert.True(lab.Ping(1, "10.200.0.2"), "no traffic with the same preshared key on both sides");
        Assert.NotEqual("(none)", side1.DumpOf(side2).PresharedKey);
        Reconnect(side1, side2, psk1: null, psk2: null);
        Assert.True(lab.Ping(1, "10.200.0.2"), "no traffic after removing the preshared key");
        Assert.Equal("(none)", side1.DumpOf(side2).PresharedKey);

        // Side 1's key changes: side 2 must learn the new public key, and traffic resumes.
        string newKey = lab.NewKeyFile();
        string newPublic = Command.Run("sh", "-c", $"wg pubkey < {newKey}").Trim();
        side1.Set("private-key", newKey);
        Assert.Equal(newPublic, side1.Wg("show", side1.Interface, "public-key").Trim());
        side2.Set("peer", side1.PublicKey, "remove");
        side2.Set("peer", newPublic, "endpoint", "192.0.2.1:51820", "allowed-ips", "10.200.0.1/32");
        Assert.True(lab.Ping(1, "10.200.0.2"), "no traffic after side 1's key changed");

        // Remove the peer on side 1: traffic stops; add it back: traffic resumes.
        side1.Set("peer", side2.PublicKey, "remove");
        Assert.Empty(side1.Dump());
        Assert.False(lab.Ping(1, "10.200.0.2", 1));
        side1.Set("peer", side2.PublicKey, "endpoint", "192.0.2.2:51820", "allowed-ips", "10.200.0.2/32");
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
            Lab.WaitUntil(() => !File.Exists($"/var/run/wireguard/{name}.sock"), "the daemon did not stop after wg-quick down");
        }
        finally
        {
            Command.Try("ip", ["-n", lab.Namespace(1), "link", "delete", name]);
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Removes each side's peer and adds it back (fresh sessions), with the given preshared keys.</summary>
    private static void Reconnect(Peer side1, Peer side2, string? psk1, string? psk2)
    {
        foreach (var (self, other, psk) in new[] { (side1, side2, psk1), (side2, side1, psk2) })
        {
            self.Set("peer", other.PublicKey, "remove");
            self.Set("peer", other.PublicKey, "preshared-key", psk ?? "/dev/null", "endpoint", $"192.0.2.{other.Side}:51820", "allowed-ips", $"10.200.0.{other.Side}/32");
        }
    }
}
