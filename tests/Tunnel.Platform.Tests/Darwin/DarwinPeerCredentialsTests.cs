using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Tunnel.Platform.Linux;

namespace Tunnel.Platform.Tests.Darwin;

/// <summary>macOS peer credentials from a <c>struct xucred</c> laid out as sys/ucred.h has it (76 bytes); the decoding is pure, so it runs here.</summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("macos")]
public sealed class DarwinPeerCredentialsTests
{
    [Fact]
    public void Xucred_GivesTheUserTheEffectiveGroupAndTheRest()
    {
        byte[] xucred = new byte[UnixPeerCredentials.XucredSize];
        BinaryPrimitives.WriteUInt32LittleEndian(xucred.AsSpan(4), 501);   // cr_uid
        BinaryPrimitives.WriteInt16LittleEndian(xucred.AsSpan(8), 3);      // cr_ngroups
        BinaryPrimitives.WriteUInt32LittleEndian(xucred.AsSpan(12), 20);   // staff: the effective group
        BinaryPrimitives.WriteUInt32LittleEndian(xucred.AsSpan(16), 80);   // admin
        BinaryPrimitives.WriteUInt32LittleEndian(xucred.AsSpan(20), 701);

        UnixPeerCredentials credentials = UnixPeerCredentials.FromXucred(xucred, processId: 4242);

        Assert.Equal(4242, credentials.ProcessId);
        Assert.Equal(501u, credentials.UserId);
        Assert.Equal(20u, credentials.GroupId);
        Assert.Equal([80u, 701u], credentials.SupplementaryGroups);
        Assert.True(credentials.IsInGroup(80));
        Assert.False(credentials.IsRoot);
    }

    [Fact]
    public void AnUnknownVersionOrAShortRecord_IsRefused_AndACountPastTheRecordIsClamped()
    {
        byte[] xucred = new byte[UnixPeerCredentials.XucredSize];
        xucred[0] = 1; // cr_version other than XUCRED_VERSION 0
        Assert.Throws<SocketException>(() => UnixPeerCredentials.FromXucred(xucred, 1));
        Assert.Throws<SocketException>(() => UnixPeerCredentials.FromXucred(new byte[8], 1));

        xucred[0] = 0;
        BinaryPrimitives.WriteInt16LittleEndian(xucred.AsSpan(8), 999);
        Assert.Equal(15, UnixPeerCredentials.FromXucred(xucred, 1).SupplementaryGroups.Count);
        BinaryPrimitives.WriteInt16LittleEndian(xucred.AsSpan(8), -4);
        Assert.Empty(UnixPeerCredentials.FromXucred(xucred, 1).SupplementaryGroups);
    }
}
