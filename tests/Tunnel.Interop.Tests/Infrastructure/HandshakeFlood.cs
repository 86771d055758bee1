using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Tunnel.Core;
using Tunnel.Core.Crypto;
using Tunnel.Platform.Linux;
using Tunnel.Platform.Linux.Internal;

namespace Tunnel.Interop.Tests.Infrastructure;

/// <summary>
/// An attacker who knows a responder's public key: handshake initiations with a valid MAC1 and random
/// ephemerals (each costs the responder a Diffie-Hellman unless it asks for a cookie first), sent at a fixed
/// rate from a namespace, mixed with other datagrams (transport messages for unknown sessions, forged cookie
/// replies). It counts the cookie replies it gets back and when the first came. It receives in batches,
/// and sends in batches where asked (<c>sendmmsg</c>, each datagram still its own packet): on the lab's small
/// machine the attacker shares the CPU with the tunnel it attacks, and a real attacker's sending costs the
/// target nothing.
/// </summary>
internal sealed class HandshakeFlood : IDisposable
{
    private const int InitiationSize = 148;
    private const int Mac1Offset = 116;

    /// <summary>Datagrams per <c>sendmmsg</c>/<c>recvmmsg</c>: the socket adapter's batch.</summary>
    private const int Batch = 128;

    private readonly IDatagramSocket _socket;
    private readonly UdpEndpoint _target;
    private readonly byte[] _mac1Key = new byte[32];
    private readonly Thread _sender;
    private readonly Thread _receiver;
    private readonly int _perSecond;
    private readonly bool _batched;
    private readonly TimeSpan _duration;
    private readonly Stopwatch _clock = new();
    private long _firstCookieTicks = -1;
    private volatile bool _stopped;

    // batched: sends go out 128 datagrams per system call (a measurement, where the attacker's CPU would
    // otherwise count against the tunnel), or one per call (the pass/fail tests, whose attacker has always sent so).
    public HandshakeFlood(string ns, IPEndPoint target, string responderPublicKey, int perSecond, TimeSpan duration, bool batched = false)
    {
        _batched = batched;
        // Each datagram a packet of its own, as from a sender on another machine: no segmentation offload.
        var sockets = new LinuxUdpDatagramSocketFactory { EnableSegmentation = false, EnableReceiveCoalescing = false, EnableStickySource = false };
        _socket = NetworkNamespace.Run(ns, () => sockets.Bind(0, 0));
        _target = UdpEndpoint.FromIPEndPoint(target);
        _perSecond = perSecond;
        _duration = duration;

        // MAC1's key: HASH("mac1----" || the responder's static public key) (whitepaper 5.4.4).
        byte[] label = [.. "mac1----"u8, .. Convert.FromBase64String(responderPublicKey)];
        Blake2s.HashData(label, _mac1Key);
        _sender = new Thread(Send) { IsBackground = true, Name = "flood sender" };
        _receiver = new Thread(Receive) { IsBackground = true, Name = "flood receiver" };
    }

    public long Initiations { get; private set; }

    public long Others { get; private set; }

    public long CookieReplies => Interlocked.Read(ref _cookieReplies);

    private long _cookieReplies;

    /// <summary>From the first datagram to the first cookie reply; null if none came.</summary>
    public TimeSpan? FirstCookieAfter => Interlocked.Read(ref _firstCookieTicks) is >= 0 and var ticks ? TimeSpan.FromTicks(ticks) : null;

    public TimeSpan Elapsed { get; private set; }

    public void Start()
    {
        _clock.Start();
        _receiver.Start();
        _sender.Start();
    }

    /// <summary>Waits for the flood to end (its duration), then for late cookie replies.</summary>
    public void Wait()
    {
        _sender.Join();
        Thread.Sleep(300);
        _stopped = true;
        _socket.Dispose(); // wakes the receiver, whose receive then returns 0
        _receiver.Join();
    }

    public void Dispose()
    {
        _stopped = true;
        _socket.Dispose();
    }

    private void Send()
    {
        // Every fourth initiation is followed by a transport message and a cookie reply: 1.5 datagrams each.
        var datagrams = new byte[Batch][];
        for (int i = 0; i < Batch; i++)
        {
            datagrams[i] = new byte[InitiationSize];
        }

        var batch = new ReadOnlyMemory<byte>[Batch];
        long sent = 0;
        while (_clock.Elapsed < _duration)
        {
            // Paced in 1 ms steps: the count due by now, so the rate holds whatever the scheduler does.
            long due = (long)(_clock.Elapsed.TotalSeconds * _perSecond);
            int count = 0;
            for (; sent < due; sent++)
            {
                if (count > Batch - 3)
                {
                    SendAll(batch.AsSpan(0, count));
                    count = 0;
                }

                WriteInitiation(datagrams[count]);
                batch[count] = datagrams[count];
                count++;
                Initiations++;
                if (sent % 4 == 0)
                {
                    batch[count] = Other(datagrams[count], type: 4); // transport data for no session
                    count++;
                    batch[count] = Other(datagrams[count], type: 3); // a cookie reply for no handshake
                    count++;
                    Others += 2;
                }
            }

            if (count > 0)
            {
                SendAll(batch.AsSpan(0, count));
            }

            Thread.Sleep(1);
        }

        Elapsed = _clock.Elapsed;
    }

    private void SendAll(ReadOnlySpan<ReadOnlyMemory<byte>> datagrams)
    {
        if (_batched)
        {
            _socket.Send(datagrams, _target);
            return;
        }

        for (int i = 0; i < datagrams.Length; i++)
        {
            _socket.Send(datagrams.Slice(i, 1), _target);
        }
    }

    /// <summary>64 random bytes of <paramref name="slot"/> under a message type.</summary>
    private static ReadOnlyMemory<byte> Other(byte[] slot, uint type)
    {
        Span<byte> datagram = slot.AsSpan(0, 64);
        RandomNumberGenerator.Fill(datagram);
        BinaryPrimitives.WriteUInt32LittleEndian(datagram, type);
        return slot.AsMemory(0, 64);
    }

    private void WriteInitiation(byte[] message)
    {
        RandomNumberGenerator.Fill(message); // sender index, ephemeral, "encrypted" static and timestamp: noise
        BinaryPrimitives.WriteUInt32LittleEndian(message, 1);
        Blake2s.HashData(_mac1Key, message.AsSpan(0, Mac1Offset), message.AsSpan(Mac1Offset, 16));
        message.AsSpan(Mac1Offset + 16).Clear(); // no MAC2: the attacker has no cookie
    }

    private void Receive()
    {
        var buffers = new Memory<byte>[Batch];
        for (int i = 0; i < Batch; i++)
        {
            buffers[i] = new byte[256];
        }

        var sizes = new int[Batch];
        var sources = new UdpEndpoint[Batch];
        while (!_stopped)
        {
            int count;
            try
            {
                count = _socket.Receive(buffers, sizes, sources);
            }
            catch (Exception) when (_stopped)
            {
                return;
            }

            if (count == 0)
            {
                return; // closed
            }

            for (int i = 0; i < count; i++)
            {
                if (sizes[i] == 64 && buffers[i].Span[0] == 3 && Interlocked.Increment(ref _cookieReplies) == 1)
                {
                    Interlocked.Exchange(ref _firstCookieTicks, _clock.Elapsed.Ticks);
                }
            }
        }
    }
}
