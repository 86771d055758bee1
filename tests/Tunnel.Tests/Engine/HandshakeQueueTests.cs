using Tunnel.Core;
using Tunnel.Internal;

namespace Tunnel.Tests.Engine;

/// <summary>
/// The handshake worker's queue: first in, first out, bounded (what comes while it is full is refused, for
/// the pump to count), woken once per published batch, and closed for good.
/// </summary>
public sealed class HandshakeQueueTests
{
    private static readonly UdpEndpoint s_source = new([192, 0, 2, 1], 51820);

    [Fact]
    public void Messages_ComeOutInOrder_WithTheirLengthAndSource()
    {
        var queue = new HandshakeQueue(4);
        for (byte i = 1; i <= 3; i++)
        {
            Assert.True(queue.TryEnqueue(Message(i, length: 90 + i), new UdpEndpoint([192, 0, 2, i], i)));
        }

        var destination = new byte[HandshakeQueue.SlotSize];
        for (byte i = 1; i <= 3; i++)
        {
            Assert.True(queue.TryDequeue(destination, out int length, out UdpEndpoint source));
            Assert.Equal(90 + i, length);
            Assert.Equal(Message(i, 90 + i), destination[..length]);
            Assert.Equal(new UdpEndpoint([192, 0, 2, i], i), source);
        }

        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void AFullQueue_RefusesMore_AndTakesAgainOnceOneIsTaken()
    {
        var queue = new HandshakeQueue(3);
        var destination = new byte[HandshakeQueue.SlotSize];
        for (int round = 0; round < 5; round++) // around the ring more than once
        {
            while (queue.Count < queue.Capacity)
            {
                Assert.True(queue.TryEnqueue(Message((byte)(round + queue.Count), 148), s_source));
            }

            Assert.False(queue.TryEnqueue(Message(0xEE, 148), s_source));
            Assert.True(queue.TryDequeue(destination, out _, out _));
            Assert.Equal((byte)round, destination[0]);
            Assert.True(queue.TryEnqueue(Message(0xDD, 148), s_source));
            while (queue.Count > 0)
            {
                queue.TryDequeue(destination, out _, out _);
            }
        }

        Assert.False(queue.TryEnqueue(new byte[HandshakeQueue.SlotSize + 1], s_source)); // no handshake message is larger
    }

    [Fact]
    public void AWaitingWorker_WakesOnPublish_AndTakesTheWholeBatch()
    {
        var queue = new HandshakeQueue(16);
        var taken = new List<byte>();
        using var first = new ManualResetEventSlim();
        var worker = new Thread(() =>
        {
            var destination = new byte[HandshakeQueue.SlotSize];
            while (queue.TryDequeue(destination, out _, out _))
            {
                lock (taken)
                {
                    taken.Add(destination[0]);
                }

                first.Set();
            }
        });
        worker.Start();
        Assert.True(SpinWait.SpinUntil(() => queue.IsWorkerWaiting, TimeSpan.FromSeconds(5)), "the worker never waited");

        for (byte i = 1; i <= 5; i++)
        {
            Assert.True(queue.TryEnqueue(Message(i, 148), s_source));
        }

        // Not yet published: the worker sleeps on (it would see the messages only if it were busy anyway).
        Assert.False(first.Wait(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken));
        queue.Publish();
        Assert.True(first.Wait(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken), "publishing did not wake the worker");
        Assert.True(SpinWait.SpinUntil(() => { lock (taken) { return taken.Count == 5; } }, TimeSpan.FromSeconds(5)));
        Assert.Equal([1, 2, 3, 4, 5], taken);

        queue.Close();
        Assert.True(worker.Join(TimeSpan.FromSeconds(5)), "closing did not end the worker");
        Assert.False(queue.TryEnqueue(Message(9, 148), s_source));
    }

    private static byte[] Message(byte tag, int length)
    {
        var message = new byte[length];
        message.AsSpan().Fill(tag);
        return message;
    }
}
