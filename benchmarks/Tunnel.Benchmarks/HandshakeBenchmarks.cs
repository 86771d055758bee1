using BenchmarkDotNet.Attributes;
using Tunnel.Core.Protocol;

namespace Tunnel.Benchmarks;

/// <summary>
/// The handshake through the device's public API, one message per invocation: each iteration prepares
/// one fresh message per spoke of a <see cref="HandshakeFleet"/>, since a peer holds one handshake at a
/// time and refuses replays. Device time jumps 200 s per iteration, past rate limits and session lifetimes.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(Fleet, unrollFactor: 1)]
public class HandshakeBenchmarks
{
    private const int Fleet = 64;

    private readonly byte[] _buffer = new byte[2048];
    private readonly byte[] _reply = new byte[2048];
    private readonly byte[][] _messages = new byte[Fleet][];
    private HandshakeFleet _fleet = null!;
    private TimeSpan _now = TimeSpan.FromHours(1);
    private int _next;

    [GlobalSetup]
    public void Setup() => _fleet = new HandshakeFleet(Fleet);

    [IterationSetup(Target = nameof(CreateInitiation))]
    public void QueueInitiations()
    {
        Advance();
        for (int i = 0; i < Fleet; i++)
        {
            HandshakeFleet.Expect(_fleet.Hub.Encapsulate(_fleet.ToSpoke[i], _buffer, _now), PacketAction.Queued);
        }
    }

    /// <summary>Hub to spoke: ephemeral key, two DH, the encrypted static key and timestamp, MAC1.</summary>
    [Benchmark]
    public int CreateInitiation()
    {
        _fleet.Hub.TryDequeueTransmit(_buffer, _now, out var transmit);
        return transmit.Length;
    }

    [IterationSetup(Target = nameof(ConsumeInitiationCreateResponse))]
    public void PrepareInitiations()
    {
        Advance();
        for (int i = 0; i < Fleet; i++)
        {
            _messages[i] = _fleet.SpokeInitiation(i, _now);
        }
    }

    /// <summary>Spoke to hub: MAC1, two DH to find the peer, timestamp checks, then the response's two DH and the session.</summary>
    [Benchmark]
    public int ConsumeInitiationCreateResponse()
    {
        int i = _next++;
        return _fleet.Hub.Decapsulate(_messages[i], _fleet.SpokeEndpoints[i], _buffer, _now).Length;
    }

    [IterationSetup(Target = nameof(AnswerWithCookieReply))]
    public void PrepareInitiationsUnderLoad()
    {
        PrepareInitiations();
        _fleet.Hub.ReportHandshakeBacklog(new DeviceOptions().UnderLoadBacklog, _now); // the default threshold
    }

    /// <summary>
    /// Spoke to hub under load, with no cookie (MAC2 zero, as every flooded initiation): MAC1, then a cookie
    /// reply in place of any Diffie-Hellman. This is the gateway's cost per flooded initiation.
    /// </summary>
    [Benchmark]
    public int AnswerWithCookieReply()
    {
        int i = _next++;
        return _fleet.Hub.Decapsulate(_messages[i], _fleet.SpokeEndpoints[i], _buffer, _now).Length;
    }

    [IterationSetup(Target = nameof(ConsumeResponse))]
    public void PrepareResponses()
    {
        Advance();
        for (int i = 0; i < Fleet; i++)
        {
            _messages[i] = _fleet.SpokeResponse(i, _fleet.HubInitiation(i, _now), _now);
        }
    }

    /// <summary>Spoke's response at the hub: two DH, the PSK mix, the session.</summary>
    [Benchmark]
    public PacketAction ConsumeResponse()
    {
        int i = _next++;
        return _fleet.Hub.Decapsulate(_messages[i], _fleet.SpokeEndpoints[i], _buffer, _now).Action;
    }

    [IterationSetup(Target = nameof(FullRoundTrip))]
    public void PrepareRoundTrips() => Advance();

    /// <summary>
    /// Both sides of a whole handshake started by a packet: the packet is staged, the initiation and the
    /// response cross, and the released packet confirms the session and reaches the spoke's tunnel.
    /// </summary>
    [Benchmark]
    public PacketAction FullRoundTrip()
    {
        int i = _next++;
        Device hub = _fleet.Hub, spoke = _fleet.Spokes[i];
        hub.Encapsulate(_fleet.ToSpoke[i], _buffer, _now);
        hub.TryDequeueTransmit(_buffer, _now, out var initiation);
        var response = spoke.Decapsulate(_buffer.AsSpan(0, initiation.Length), HandshakeFleet.HubEndpoint, _reply, _now);
        hub.Decapsulate(_reply.AsSpan(0, response.Length), _fleet.SpokeEndpoints[i], _buffer, _now);
        hub.TryDequeueTransmit(_buffer, _now, out var packet);
        return spoke.Decapsulate(_buffer.AsSpan(0, packet.Length), HandshakeFleet.HubEndpoint, _reply, _now).Action;
    }

    /// <summary>
    /// Completes whatever the last iteration left pending, then lets every session expire, so each peer is
    /// idle and the next message starts a fresh handshake.
    /// </summary>
    private void Advance()
    {
        _next = 0;
        _now += TimeSpan.FromSeconds(200);
        _fleet.Settle(_now);
        _now += TimeSpan.FromSeconds(200);
    }
}
