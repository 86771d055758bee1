using Tunnel.Platform.Interop.Windows;
using Tunnel.Platform.Windows.Internal;

namespace Tunnel.Platform.Tests.Windows;

/// <summary>
/// What an interface change notification means for a Wintun device's MTU: only its own interface's setting changes
/// (or a family appearing) are read again and reported; other interfaces, its own removal and a read that fails
/// report nothing.
/// </summary>
public sealed class WindowsMtuWatcherTests
{
    private const ulong Ours = 0x0035_0000_0000_0007, Theirs = 0x0006_0000_0000_0002;

    [Fact]
    public void ASettingChangeOnOurInterface_IsReadAgainAndReported()
    {
        int live = 1420;
        var reported = new List<int>();
        using var watcher = new WindowsMtuWatcher(Ours, () => live, reported.Add);

        live = 1300;
        Assert.True(watcher.OnChange(Ours, MibNotificationType.ParameterChange));
        live = 1280;
        Assert.True(watcher.OnChange(Ours, MibNotificationType.AddInstance)); // IPv6 enabled with a smaller MTU

        Assert.Equal([1300, 1280], reported);
    }

    [Theory]
    [InlineData(Theirs, 0)] // a setting of another interface
    [InlineData(Ours, 2)]   // ours going (MibDeleteInstance): the session ends reads on its own
    [InlineData(Ours, 3)]   // MibInitialNotification
    public void OtherNotifications_ReportNothing_AndReadNothing(ulong luid, int notification)
    {
        int reads = 0;
        var reported = new List<int>();
        using var watcher = new WindowsMtuWatcher(Ours, () => ++reads, reported.Add);

        Assert.False(watcher.OnChange(luid, (MibNotificationType)notification));

        Assert.Equal(0, reads);
        Assert.Empty(reported);
    }

    [Fact]
    public void AReadThatFails_BecauseTheInterfaceJustWent_KeepsTheLastMtu()
    {
        var reported = new List<int>();
        using var watcher = new WindowsMtuWatcher(Ours, () => throw new IOException("Element not found. (Win32 error 1168)"), reported.Add);

        Assert.False(watcher.OnChange(Ours, MibNotificationType.ParameterChange));
        Assert.Empty(reported);
    }

    [Fact]
    public void TheNotificationTypes_HaveNetioapisValues()
    {
        // netioapi.h: typedef enum _MIB_NOTIFICATION_TYPE { MibParameterNotification, MibAddInstance, MibDeleteInstance, MibInitialNotification }
        Assert.Equal(0, (int)MibNotificationType.ParameterChange);
        Assert.Equal(1, (int)MibNotificationType.AddInstance);
        Assert.Equal(2, (int)MibNotificationType.DeleteInstance);
        Assert.Equal(3, (int)MibNotificationType.InitialNotification);
    }
}
