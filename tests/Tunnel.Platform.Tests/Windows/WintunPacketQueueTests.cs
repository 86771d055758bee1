using Tunnel.Core.Tests.Support;
using Tunnel.Platform.Windows.Internal;

namespace Tunnel.Platform.Tests.Windows;

/// <summary>The Wintun data path's logic against an in-memory session that keeps Wintun's ring rules.</summary>
public sealed class WintunPacketQueueTests
{
    private const int Offset = 16;
    private const int BufferSize = Offset + 1420 + 32;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void Read_TakesEveryQueuedPacket_AndReleasesEachAtOnce()
    {
        var session = new FakeWintunSession();
        using var queue = new WintunPacketQueue(session, "wg0", 1420);
        byte[][] packets = [Packet(60), Packet(1420), Packet(20)];
        foreach (byte[] packet in packets)
        {
            session.Arrive(packet);
        }

        Memory<byte>[] buffers = Buffers(8);
        int[] sizes = new int[8];
        Assert.Equal(3, queue.Read(buffers, sizes, Offset));
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(packets[i], buffers[i].Span.Slice(Offset, sizes[i]).ToArray());
        }

        Assert.Equal(0, session.Held); // nothing holds the ring
    }

    [Fact]
    public void Read_StopsAtTheBatch_AndTheRestWaitsForTheNextRead()
    {
        var session = new FakeWintunSession();
        using var queue = new WintunPacketQueue(session, "wg0", 1420);
        for (int i = 0; i < 5; i++)
        {
            session.Arrive(Packet(40 + i));
        }

        int[] sizes = new int[2];
        Assert.Equal(2, queue.Read(Buffers(2), sizes, Offset));
        Assert.Equal(2, queue.Read(Buffers(2), sizes, Offset));
        Assert.Equal(1, queue.Read(Buffers(2), sizes, Offset));
        Assert.Equal(44, sizes[0]);
    }

    [Fact]
    public void APacketLargerThanTheBuffer_IsDroppedAndCounted_NeverCut()
    {
        var session = new FakeWintunSession();
        using var queue = new WintunPacketQueue(session, "wg0", 1420);
        session.Arrive(Packet(BufferSize)); // larger than the room after the offset
        session.Arrive(Packet(100));

        int[] sizes = new int[4];
        Assert.Equal(1, queue.Read(Buffers(4), sizes, Offset));
        Assert.Equal(100, sizes[0]);
        Assert.Equal(1, queue.ReadErrors);
        Assert.Equal(0, session.Held);
    }

    [Fact]
    public async Task AnEmptyRing_BlocksOnTheReadEvent_UntilAPacketArrives()
    {
        var session = new FakeWintunSession();
        using var queue = new WintunPacketQueue(session, "wg0", 1420);
        var reading = Task.Factory.StartNew(() => queue.Read(Buffers(4), new int[4], Offset), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(reading.IsCompleted);

        session.Arrive(Packet(64));

        Assert.Equal(1, await reading.WaitAsync(Timeout, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Dispose_WakesABlockedRead_AndEndsTheSessionOnlyAfterItLeft()
    {
        var session = new FakeWintunSession();
        var queue = new WintunPacketQueue(session, "wg0", 1420);
        var reading = Task.Factory.StartNew(() => queue.Read(Buffers(4), new int[4], Offset), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.Delay(100, TestContext.Current.CancellationToken);

        queue.Dispose();

        Assert.Equal(0, await reading.WaitAsync(Timeout, TestContext.Current.CancellationToken));
        Assert.True(session.Ended);
        Assert.Equal(0, session.CallsAfterEnd);
        Assert.Equal(0, queue.Read(Buffers(1), new int[1], Offset)); // after close: 0, no call into the ended session
        queue.Write([Packet(20)], 0);
        Assert.Equal(0, session.CallsAfterEnd);
    }

    [Fact]
    public async Task ARemovedAdapter_EndsReadsAndWritesWithAClearError()
    {
        var session = new FakeWintunSession();
        using var queue = new WintunPacketQueue(session, "wg0", 1420);
        var reading = Task.Factory.StartNew(() => queue.Read(Buffers(4), new int[4], Offset), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.Delay(100, TestContext.Current.CancellationToken);

        session.Removed = true;
        session.Arrive(Packet(20)); // the driver's last signal

        IOException error = await Assert.ThrowsAsync<IOException>(() => reading.WaitAsync(Timeout, TestContext.Current.CancellationToken));
        Assert.Contains("wg0", error.Message, StringComparison.Ordinal);
        Assert.Throws<IOException>(() => queue.Write([InBuffer(Packet(20))], Offset));
    }

    [Fact]
    public void Write_SendsEachPacketFromItsOffset_AndAFullRingDropsAndCounts()
    {
        var session = new FakeWintunSession { SendCapacity = 250 };
        using var queue = new WintunPacketQueue(session, "wg0", 1420);
        byte[][] packets = [Packet(100), Packet(100), Packet(100)];

        queue.Write([.. packets.Select(InBuffer)], Offset);

        Assert.Equal([packets[0], packets[1]], session.Sent);
        Assert.Equal(1, queue.WriteErrors);
        session.Drain();
        queue.Write([InBuffer(packets[2])], Offset);
        Assert.Equal(packets[2], session.Sent[^1]);
    }

    [Fact]
    public void ReadAndWrite_AllocateNothingPerPacket()
    {
        var session = new FakeWintunSession();
        using var queue = new WintunPacketQueue(session, "wg0", 1420);
        Memory<byte>[] buffers = Buffers(4);
        int[] sizes = new int[4];
        Memory<byte>[] outbound = [InBuffer(Packet(100))];
        byte[] inbound = Packet(100);
        for (int i = 0; i < 1000; i++)
        {
            session.Arrive(inbound); // the fake's own allocations happen here, outside the measured loop
        }

        void RoundTrip()
        {
            _ = queue.Read(buffers.AsSpan(0, 1), sizes, Offset);
            queue.Write(outbound, Offset);
        }

        session.SendCapacity = int.MaxValue;
        session.RecordSent = false;
        Assert.Equal(0, Allocations.Fewest(RoundTrip, iterations: 200));
    }

    private static Memory<byte>[] Buffers(int count) => [.. Enumerable.Range(0, count).Select(_ => new Memory<byte>(new byte[BufferSize]))];

    private static Memory<byte> InBuffer(byte[] packet)
    {
        byte[] buffer = new byte[Offset + packet.Length];
        packet.CopyTo(buffer, Offset);
        return buffer;
    }

    private static byte[] Packet(int length)
    {
        byte[] packet = new byte[length];
        Random.Shared.NextBytes(packet);
        packet[0] = 0x45;
        return packet;
    }
}
