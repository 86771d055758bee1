using System.Buffers.Binary;
using Tunnel.Testing;

namespace Tunnel.Platform.Tests.RealOs;

/// <summary>The far side of a test tunnel: answers every IPv4 ICMP echo request that reaches its in-memory device.</summary>
internal sealed class IcmpResponder : IDisposable
{
    private readonly InMemoryTunDevice _device;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _answered;

    public IcmpResponder(InMemoryTunDevice device)
    {
        _device = device;
        _loop = Task.Factory.StartNew(Loop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public int Answered => Volatile.Read(ref _answered);

    /// <summary>An echo reply to an IPv4 echo request, or null for any other packet.</summary>
    public static byte[]? ReplyTo(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 28 || packet[0] >> 4 != 4 || packet[9] != 1)
        {
            return null;
        }

        int header = (packet[0] & 0x0f) * 4;
        if (packet.Length < header + 8 || packet[header] != 8)
        {
            return null;
        }

        byte[] reply = packet.ToArray();
        packet.Slice(16, 4).CopyTo(reply.AsSpan(12)); // source: the request's destination
        packet.Slice(12, 4).CopyTo(reply.AsSpan(16));
        reply[8] = 64;
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(10), 0);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(10), PacketBuilder.HeaderChecksum(reply.AsSpan(0, header)));
        reply[header] = 0; // echo reply
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(header + 2), 0);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(header + 2), PacketBuilder.HeaderChecksum(reply.AsSpan(header)));
        return reply;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }

    private void Loop()
    {
        byte[] buffer = new byte[65536];
        while (!_stop.IsCancellationRequested)
        {
            if (_device.TryTake(buffer, out int length, TimeSpan.FromMilliseconds(200)) && ReplyTo(buffer.AsSpan(0, length)) is { } reply)
            {
                _device.TryInject(reply, TimeSpan.FromSeconds(1));
                Interlocked.Increment(ref _answered);
            }
        }
    }
}
