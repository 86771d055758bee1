using Tunnel.Core.Protocol;

namespace Tunnel.Fuzz.Targets;

/// <summary>
/// The whole receive path: arbitrary bytes as a datagram to a device that holds a live session with the
/// sender, then its transmit queue and timers. Nothing may throw, and every result must fit the buffer
/// it describes. The device keeps its state from one input to the next, as a real one does.
/// </summary>
internal sealed class DecapsulateTarget : IFuzzTarget
{
    private readonly byte[] _destination = new byte[2048];
    private DecapsulateScenario? _scenario;
    private TimeSpan _now;

    public string Name => "decapsulate";

    public void Run(ReadOnlySpan<byte> data)
    {
        if (_scenario is null)
        {
            _scenario = new DecapsulateScenario();
            _scenario.Play();
            _now = DecapsulateScenario.Start;
        }

        // Time moves a little with every input, across timer deadlines now and then.
        _now += TimeSpan.FromMilliseconds(data.IsEmpty ? 1 : 1 + data[0]);
        Device device = _scenario.Responder;
        var result = device.Decapsulate(data, DecapsulateScenario.InitiatorEndpoint, _destination, _now);
        Check(result);
        device.HandleTimeout(_now);
        while (device.TryDequeueTransmit(_destination, _now, out var transmit))
        {
            Check(transmit);
            if (transmit.Action != PacketAction.WriteToNetwork)
            {
                throw new FuzzInvariantException($"a transmit that is not a datagram: {transmit}");
            }
        }

        while (device.TryDequeueEvent(out _))
        {
        }
    }

    private void Check(PacketResult result)
    {
        if (result.Length < 0 || result.Length > _destination.Length)
        {
            throw new FuzzInvariantException($"result length {result.Length} outside the buffer");
        }

        if ((result.Action == PacketAction.Drop) != (result.DropReason != DropReason.None))
        {
            throw new FuzzInvariantException($"drop reason and action disagree: {result}");
        }
    }
}
