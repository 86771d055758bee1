using System.Buffers.Binary;
using System.Runtime.Versioning;
using Tunnel.Platform.Linux;
using Tunnel.Platform.Linux.Internal;

namespace Tunnel.Platform.Tests.Linux;

/// <summary>
/// The interface MTU followed from rtnetlink link notifications: the message layout (linux/netlink.h,
/// linux/rtnetlink.h, linux/if_link.h) parsed from built bytes, and a real <c>ip link set mtu</c> seen by a
/// device whose read is waiting.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class LinkEventsTests
{
    private const ushort NewLink = 16, DelLink = 17, IflaMtu = 4, IflaIfname = 3;

    [Fact]
    public void ANewLinkMessageForTheInterface_GivesItsMtu()
    {
        byte[] message = Link(NewLink, index: 7, mtu: 9000);
        Assert.Equal(9000, LinkEvents.ParseMtu(message, interfaceIndex: 7, current: 0));
    }

    [Fact]
    public void OtherInterfacesAndDeletions_LeaveTheMtuAlone()
    {
        Assert.Equal(1420, LinkEvents.ParseMtu(Link(NewLink, index: 8, mtu: 9000), 7, 1420));
        Assert.Equal(1420, LinkEvents.ParseMtu(Link(DelLink, index: 7, mtu: 9000), 7, 1420));
        Assert.Equal(1420, LinkEvents.ParseMtu(Link(NewLink, index: 7, mtu: null), 7, 1420));
    }

    [Fact]
    public void SeveralMessagesInOneRead_TheLastWins()
    {
        byte[] messages = [.. Link(NewLink, 7, 9000), .. Link(NewLink, 9, 1300), .. Link(NewLink, 7, 34736)];
        Assert.Equal(34736, LinkEvents.ParseMtu(messages, 7, 0));
    }

    [Fact]
    public void TruncatedOrLyingLengths_StopTheParse_WithoutThrowing()
    {
        byte[] message = Link(NewLink, 7, 9000);
        for (int cut = 0; cut < message.Length; cut++)
        {
            int mtu = LinkEvents.ParseMtu(message.AsSpan(0, cut), 7, 1420);
            Assert.True(mtu is 1420 or 9000);
        }

        byte[] lying = Link(NewLink, 7, 9000);
        BinaryPrimitives.WriteUInt32LittleEndian(lying, 4096); // longer than the read
        Assert.Equal(1420, LinkEvents.ParseMtu(lying, 7, 1420));
        BinaryPrimitives.WriteUInt16LittleEndian(lying.AsSpan(32), 2); // an attribute shorter than its header
        BinaryPrimitives.WriteUInt32LittleEndian(lying, (uint)lying.Length);
        Assert.Equal(1420, LinkEvents.ParseMtu(lying, 7, 1420));
    }

    [Fact]
    public void ATunDevice_FollowsIpLinkSetMtu_WhileItsReadWaits()
    {
        Requirements.RootAndTun();
        string name = $"tnm{Environment.ProcessId % 10000}{Random.Shared.Next(100):d2}";
        using LinuxTunDevice device = LinuxTunDevice.Create(name);
        Assert.Equal(1420, device.Mtu);
        // As the engine does: a read that returns 0 with the MTU changed is called again.
        bool stopped = false;
        int wokenByChanges = 0;
        var reader = new Thread(() =>
        {
            while (!Volatile.Read(ref stopped) && device.Read([new byte[65536]], new int[1], 16) == 0)
            {
                Interlocked.Increment(ref wokenByChanges);
            }
        })
        { IsBackground = true };
        reader.Start();

        foreach (int mtu in new[] { 9000, 34736, 1280 })
        {
            Requirements.Run("ip", "link", "set", name, "mtu", mtu.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (device.Mtu != mtu && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(10);
            }

            Assert.Equal(mtu, device.Mtu);
            Assert.Equal(mtu, device.GetMtu());
        }

        Assert.True(Volatile.Read(ref wokenByChanges) >= 3, "the waiting read did not return for each change");
        Volatile.Write(ref stopped, true);
        device.Dispose();
        Assert.True(reader.Join(TimeSpan.FromSeconds(5)));
    }

    /// <summary>An rtnetlink link message: nlmsghdr, ifinfomsg, IFLA_IFNAME and (optionally) IFLA_MTU.</summary>
    private static byte[] Link(ushort type, int index, int? mtu)
    {
        var message = new List<byte>();
        byte[] header = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), type);
        byte[] info = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(info.AsSpan(4), index);
        message.AddRange(header);
        message.AddRange(info);
        message.AddRange(Attribute(IflaIfname, "wg0\0"u8.ToArray()));
        if (mtu is { } value)
        {
            byte[] bytes = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
            message.AddRange(Attribute(IflaMtu, bytes));
        }

        byte[] result = [.. message];
        BinaryPrimitives.WriteUInt32LittleEndian(result, (uint)result.Length);
        return result;
    }

    private static byte[] Attribute(ushort type, byte[] value)
    {
        byte[] attribute = new byte[(4 + value.Length + 3) & ~3];
        BinaryPrimitives.WriteUInt16LittleEndian(attribute, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(attribute.AsSpan(2), type);
        value.CopyTo(attribute, 4);
        return attribute;
    }
}
