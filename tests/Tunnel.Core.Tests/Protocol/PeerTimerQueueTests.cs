using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Tunnel.Core.Crypto;
using Tunnel.Core.Protocol;
using Tunnel.Core.Tests.Support;
using Tunnel.Testing;

namespace Tunnel.Core.Tests.Protocol;

/// <summary>
/// The device's timer heap against a deliberately slow oracle (a scan of every peer's five timers), and what a
/// gateway with many idle peers costs: deadlines that do not visit idle peers, and no session memory held by them.
/// </summary>
public sealed class PeerTimerQueueTests
{
    private enum Operation
    {
        Arm,
        Disarm,
        Reset,
        Remove,
        Add,
        Take,
    }

    [Property(MaxTest = 200)]
    public Property NextDeadline_AndTheDuePeers_MatchAScanOfEveryTimer()
    {
        var operation =
            from kind in Gen.Elements(Operation.Arm, Operation.Arm, Operation.Arm, Operation.Disarm, Operation.Reset, Operation.Remove, Operation.Add, Operation.Take)
            from peer in Gen.Choose(0, 39)
            from timer in Gen.Choose(0, 4)
            from at in Gen.Choose(0, 10_000)
            select (kind, peer, timer, at);
        var program = Gen.ListOf(operation).Select(s => s.Take(300).ToList());

        return Prop.ForAll(program.ToArbitrary(), steps =>
        {
            var device = NewDevice(out _);
            var peers = new List<Peer>();
            for (int i = 0; i < 40; i++)
            {
                peers.Add(device.AddPeer(RandomKey(i)));
            }

            var queue = device.Timers;
            var due = new List<Peer>();
            TimeSpan now = TimeSpan.Zero;
            foreach (var (kind, index, timer, at) in steps)
            {
                Peer peer = peers[index];
                switch (kind)
                {
                    case Operation.Arm when !peer.IsRemoved:
                        SetTimer(peer, timer, now + TimeSpan.FromMilliseconds(at));
                        break;
                    case Operation.Disarm when !peer.IsRemoved:
                        SetTimer(peer, timer, Peer.Never);
                        break;
                    case Operation.Reset when !peer.IsRemoved:
                        peer.ResetTimers();
                        break;
                    case Operation.Remove:
                        device.RemovePeer(peer.PublicKey);
                        break;
                    case Operation.Add when peer.IsRemoved:
                        peers[index] = device.AddPeer(peer.PublicKey);
                        break;
                    case Operation.Take:
                        // As HandleTimeout does, without firing: the due peers leave the heap, their timers are
                        // disarmed, and each is put back with what is left.
                        now += TimeSpan.FromMilliseconds(at);
                        var expected = peers.Where(p => !p.IsRemoved && p.EarliestTimer <= now).ToHashSet();
                        queue.TakeDue(now, due);
                        if (!expected.SetEquals(due) || due.Count != expected.Count)
                        {
                            return false.Label($"due at {now}: {due.Count} taken, {expected.Count} expected");
                        }

                        foreach (Peer taken in due)
                        {
                            SetTimer(taken, at % 5, Peer.Never);
                            for (int t = 0; t < 5; t++)
                            {
                                if (GetTimer(taken, t) <= now)
                                {
                                    SetTimer(taken, t, Peer.Never);
                                }
                            }

                            queue.Lower(taken, taken.EarliestTimer);
                        }

                        due.Clear();
                        break;
                }

                TimeSpan oracle = peers.Where(p => !p.IsRemoved).Select(p => p.EarliestTimer).DefaultIfEmpty(Peer.Never).Min();
                Deadline deadline = device.NextDeadline;
                if (deadline.Time != oracle)
                {
                    return false.Label($"after {kind} of peer {index}: deadline {deadline.Time}, oracle {oracle}");
                }

                if (oracle != Peer.Never && (deadline.Peer is null || deadline.Peer.EarliestTimer != oracle || deadline.Peer.IsRemoved))
                {
                    return false.Label($"after {kind}: the deadline names a peer whose timer is not the earliest");
                }

                if (queue.Count > peers.Count)
                {
                    return false.Label($"{queue.Count} heap entries for {peers.Count} peers");
                }
            }

            return true.ToProperty();
        });
    }

    [Fact]
    public void TenThousandIdlePeers_ADeadlineVisitsOnlyThePeerThatIsDue()
    {
        var device = NewDevice(out _);
        var peers = new Peer[10_000];
        for (int i = 0; i < peers.Length; i++)
        {
            peers[i] = device.AddPeer(RandomKey(i));
        }

        TimeSpan now = TimeSpan.FromSeconds(10);
        Peer keeper = peers[4321];
        device.SetEndpoint(keeper, new UdpEndpoint([192, 0, 2, 9], 51820));
        device.SetPersistentKeepalive(keeper, TimeSpan.FromSeconds(25), now);
        Assert.Equal(1, device.Timers.Count); // the idle peers are not in the heap at all

        // The keeper has no session, so its keepalive becomes an initiation, retried on its timers; nobody
        // else ever sends or is visited.
        var buffer = new byte[256];
        for (int round = 0; round < 6; round++)
        {
            while (device.TryDequeueTransmit(buffer, now, out PacketResult transmit))
            {
                Assert.Equal(keeper.Endpoint, transmit.Endpoint);
                Assert.Equal(148, transmit.Length);
            }

            Deadline deadline = device.NextDeadline;
            Assert.Same(keeper, deadline.Peer);
            Assert.True(deadline.Time > now);
            Assert.Equal(1, device.Timers.Count);
            now = deadline.Time;
            device.HandleTimeout(now);
        }

        // Removed: nothing is left to fire.
        device.RemovePeer(keeper.PublicKey);
        Assert.Equal(TimeSpan.MaxValue, device.NextDeadline.Time);
        Assert.Equal(0, device.Timers.Count);
    }

    [Fact]
    public void AnIdlePeer_HoldsUnder2KiB_AndGivesUpItsSessionMemoryWhenItsKeysAreZeroed()
    {
        var device = NewDevice(out _);
        var keys = Enumerable.Range(0, 1000).Select(RandomKey).ToArray();
        device.AddPeer(RandomKey(-1)); // the dictionaries' first growth is not a peer's cost

        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (PublicKey key in keys)
        {
            device.AddPeer(key);
        }

        // Allocated is an upper bound of what is kept (the peer dictionary's growth included).
        long perPeer = (GC.GetAllocatedBytesForCurrentThread() - before) / keys.Length;
        Assert.InRange(perPeer, 1, 2047);

        // A session holds its keypairs (about 3.5 KiB); 540 s of silence after it zeroes the keys and frees them.
        var net = new TwoDevices();
        net.SendFromA(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 64));
        Assert.True(net.BOnA.HoldsSessionMemory);
        net.Advance(TimeSpan.FromSeconds(600));
        Assert.False(net.BOnA.HasSession);
        Assert.False(net.BOnA.HoldsSessionMemory);

        // And the next packet handshakes again as before.
        net.SendFromA(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 64));
        Assert.True(net.BOnA.HasSession);
        Assert.True(net.BOnA.HoldsSessionMemory);
    }

    private static Device NewDevice(out IEntropySource entropy)
    {
        entropy = new DeterministicEntropy(7);
        return new Device(new DeviceOptions { PrivateKey = PrivateKey.Create(Bytes.Random(32, 99)) }, entropy);
    }

    private static PublicKey RandomKey(int seed) => PrivateKey.Create(Bytes.Random(32, 10_000 + seed)).GetPublicKey();

    private static void SetTimer(Peer peer, int timer, TimeSpan at)
    {
        switch (timer)
        {
            case 0: peer.RetransmitHandshakeAt = at; break;
            case 1: peer.SendKeepaliveAt = at; break;
            case 2: peer.NewHandshakeAt = at; break;
            case 3: peer.ZeroKeyMaterialAt = at; break;
            default: peer.PersistentKeepaliveAt = at; break;
        }
    }

    private static TimeSpan GetTimer(Peer peer, int timer) => timer switch
    {
        0 => peer.RetransmitHandshakeAt,
        1 => peer.SendKeepaliveAt,
        2 => peer.NewHandshakeAt,
        3 => peer.ZeroKeyMaterialAt,
        _ => peer.PersistentKeepaliveAt,
    };
}
