using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Tunnel.Core.Tests.Protocol;

/// <summary>
/// Model-based: random programs of sends, replays and clock ticks over a lossy, duplicating, reordering
/// channel, for hours of simulated time, then a calm phase. After every program the invariants of the
/// protocol must hold, whatever the channel did.
/// </summary>
public sealed class DeviceModelTests
{
    private enum Step
    {
        SendFromA,
        SendFromB,
        Replay,
        Tick,
    }

    [Property(MaxTest = 100)]
    public Property Sessions_Recover_NothingIsAcceptedTwice_AndTimersKeepTheirRules()
    {
        var step = Gen.Frequency(
            (5, Gen.Choose(0, 1400).Select(n => (Step.SendFromA, n))),
            (3, Gen.Choose(0, 1400).Select(n => (Step.SendFromB, n))),
            (1, Gen.Choose(0, int.MaxValue).Select(n => (Step.Replay, n))),
            (4, Gen.Frequency((6, Gen.Choose(1, 2_000)), (3, Gen.Choose(2_000, 30_000)), (1, Gen.Choose(30_000, 400_000))).Select(ms => (Step.Tick, ms))));
        var program =
            from seed in Gen.Choose(0, 1_000_000)
            from loss in Gen.Elements(0.0, 0.05, 0.2, 0.5)
            from duplication in Gen.Elements(0.0, 0.1)
            from delay in Gen.Elements(1, 50, 400)
            from steps in Gen.ListOf(step).Select(s => s.Take(150).ToList())
            select (seed, loss, duplication, delay, steps);

        return Prop.ForAll(program.ToArbitrary(), p =>
        {
            var net = new SimulatedNetwork(p.seed) { Loss = p.loss, Duplication = p.duplication, MaxDelay = TimeSpan.FromMilliseconds(p.delay) };
            foreach (var (kind, argument) in p.steps)
            {
                switch (kind)
                {
                    case Step.SendFromA: net.SendPacket(fromA: true, argument); break;
                    case Step.SendFromB: net.SendPacket(fromA: false, argument); break;
                    case Step.Replay: net.Replay(argument); break;
                    default: net.Tick(TimeSpan.FromMilliseconds(argument)); break;
                }
            }

            // Calm: a perfect channel and steady traffic both ways must bring a session back.
            net.Loss = 0;
            net.Duplication = 0;
            net.MaxDelay = TimeSpan.FromMilliseconds(1);
            long lastFromA = 0, lastFromB = 0;
            for (int second = 0; second < 30; second++)
            {
                lastFromA = net.SendPacket(fromA: true, 100);
                lastFromB = net.SendPacket(fromA: false, 100);
                net.Tick(TimeSpan.FromSeconds(1));
            }

            return CheckInvariants(net, lastFromA, lastFromB);
        });
    }

    [Fact]
    public void AnHourOfSteadyTrafficOverAPerfectChannel_RekeysEvery120SecondsAndLosesNothing()
    {
        var net = new SimulatedNetwork(seed: 5);
        for (int second = 0; second < 3600; second++)
        {
            net.SendPacket(fromA: true, 200);
            net.SendPacket(fromA: second % 2 == 0, 300);
            net.Tick(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(net.NextPacketId - 1, net.Delivered.Count);
        int initiations = net.Sent.Count(s => SimulatedNetwork.IsInitiation(s.Datagram));
        Assert.InRange(initiations, 3600 / 125, (3600 / 115) + 2);
        Assert.Equal(0, net.A.GetDropCount(Tunnel.Core.Protocol.DropReason.Replay) + net.B.GetDropCount(Tunnel.Core.Protocol.DropReason.Replay));
    }

    private static Property CheckInvariants(SimulatedNetwork net, long lastFromA, long lastFromB)
    {
        // 1. No packet reaches a tunnel twice, whatever was duplicated or replayed.
        var twice = net.Delivered.GroupBy(d => d.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();

        // 2. Nothing is accepted under a session past Reject-After-Time: a datagram that left 180 s or more
        //    before it arrived (only a replay can) is never delivered.
        var stale = net.Delivered.Where(d => d.At - d.DatagramSentAt >= TimeSpan.FromSeconds(180)).ToList();

        // 3. One initiation per peer per Rekey-Timeout at most.
        var tooSoon = new List<TimeSpan>();
        foreach (bool fromA in new[] { true, false })
        {
            var times = net.Sent.Where(s => s.FromA == fromA && SimulatedNetwork.IsInitiation(s.Datagram)).Select(s => s.SentAt).ToList();
            tooSoon.AddRange(times.Zip(times.Skip(1), (x, y) => y - x).Where(gap => gap < TimeSpan.FromSeconds(5)));
        }

        // 4. After the calm phase, traffic flows both ways again.
        var delivered = net.Delivered.Select(d => d.Id).ToHashSet();
        bool recovered = delivered.Contains(lastFromA) && delivered.Contains(lastFromB);

        return (twice.Count == 0).Label($"delivered twice: {string.Join(',', twice)}")
            .And((stale.Count == 0).Label($"delivered after 180 s: {stale.Count}"))
            .And((tooSoon.Count == 0).Label($"initiations less than 5 s apart: {string.Join(',', tooSoon)}"))
            .And(recovered.Label("no recovery after the calm phase"));
    }
}
