using Tunnel.Agent.LocalApi;
using Tunnel.Platform.Linux;

namespace Tunnel.Agent.Tests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LocalApiAccessTests
{
    private static UnixPeerCredentials Peer(uint user, uint group, params uint[] groups) => new(4242, user, group, groups);

    [Fact]
    public void RootTheAgentsUserAndTheGroupsMembers_AreAllowed_AndNobodyElse()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "peer credentials are Linux's");
        var access = new LocalApiAccess(agentUser: 990, groupId: 1500, groupName: "tunnel");

        Assert.True(access.Allows(Peer(0, 0)));
        Assert.True(access.Allows(Peer(990, 990)));
        Assert.True(access.Allows(Peer(1000, 1500)));
        Assert.True(access.Allows(Peer(1000, 1000, 27, 1500)));
        Assert.False(access.Allows(Peer(1000, 1000, 27, 100)));
        Assert.False(new LocalApiAccess(990, null, null).Allows(Peer(1000, 1500)));
        Assert.Contains("group 'tunnel'", access.DeniedMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Groups_AreFoundByNameInGroupFileLines()
    {
        string[] lines = ["root:x:0:", "tunnel-admins:x:1499:alice", "tunnel:x:1500:alice,bob", "broken", "tunnel2:x:notanumber:"];

        Assert.Equal(1500u, LocalApiAccess.FindGroup(lines, "tunnel"));
        Assert.Equal(0u, LocalApiAccess.FindGroup(lines, "root"));
        Assert.Null(LocalApiAccess.FindGroup(lines, "tunnel2"));
        Assert.Null(LocalApiAccess.FindGroup(lines, "nope"));
    }

    [Fact]
    public void AGroupThatDoesNotExist_IsAnErrorAtStart()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, ["root:x:0:"]);

            var error = Assert.Throws<InvalidOperationException>(() => LocalApiAccess.ForCurrentProcess("tunnel", groupFile: file));

            Assert.Contains("'tunnel' does not exist", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
