using System.Net;
using Tunnel.Core;
using Tunnel.Core.Crypto;
using Tunnel.Core.Protocol;
using Tunnel.Testing;

namespace Tunnel.Benchmarks;

/// <summary>
/// A hub device with one peer per spoke device, so a benchmark iteration can prepare one fresh handshake
/// message per invocation (a peer holds one handshake at a time, and replays are refused).
/// </summary>
internal sealed class HandshakeFleet
{
    internal static readonly UdpEndpoint HubEndpoint = new([192, 0, 2, 1], 51820);

    private readonly byte[] _buffer = new byte[2048];
    private readonly byte[] _reply = new byte[2048];

    internal HandshakeFleet(int size)
    {
        var random = new Random(42);
        Hub = new Device(new DeviceOptions { PrivateKey = NewKey(random) }, new DeterministicEntropy(1));
        Spokes = new Device[size];
        SpokePeers = new Peer[size];
        SpokeEndpoints = new UdpEndpoint[size];
        ToSpoke = new byte[size][];
        for (int i = 0; i < size; i++)
        {
            var spoke = new Device(new DeviceOptions { PrivateKey = NewKey(random) }, new DeterministicEntropy(100 + i));
            var hubOnSpoke = spoke.AddPeer(Hub.PublicKey);
            spoke.SetEndpoint(hubOnSpoke, HubEndpoint);
            spoke.AddAllowedIp(hubOnSpoke, IPNetwork.Parse("10.0.0.1/32"));

            SpokeEndpoints[i] = new UdpEndpoint([192, 0, 3, (byte)i], 51820);
            var spokeOnHub = Hub.AddPeer(spoke.PublicKey);
            Hub.SetEndpoint(spokeOnHub, SpokeEndpoints[i]);
            Hub.AddAllowedIp(spokeOnHub, new IPNetwork(new IPAddress([10, 1, (byte)(i >> 8), (byte)i]), 32));
            ToSpoke[i] = Ipv4([10, 0, 0, 1], [10, 1, (byte)(i >> 8), (byte)i]);
            Spokes[i] = spoke;
            SpokePeers[i] = spokeOnHub;
        }

        ToHub = Ipv4([10, 1, 0, 0], [10, 0, 0, 1]);
    }

    internal Device Hub { get; }

    internal Device[] Spokes { get; }

    internal Peer[] SpokePeers { get; }

    internal UdpEndpoint[] SpokeEndpoints { get; }

    internal byte[][] ToSpoke { get; }

    internal byte[] ToHub { get; }

    /// <summary>The next initiation from the hub to spoke <paramref name="i"/> (its sessions must be unusable or absent).</summary>
    internal byte[] HubInitiation(int i, TimeSpan now)
    {
        Expect(Hub.Encapsulate(ToSpoke[i], _buffer, now), PacketAction.Queued);
        return Dequeue(Hub, now);
    }

    /// <summary>The next initiation from spoke <paramref name="i"/> to the hub.</summary>
    internal byte[] SpokeInitiation(int i, TimeSpan now)
    {
        Expect(Spokes[i].Encapsulate(ToHub, _buffer, now), PacketAction.Queued);
        return Dequeue(Spokes[i], now);
    }

    /// <summary>Spoke <paramref name="i"/>'s response to an initiation from the hub.</summary>
    internal byte[] SpokeResponse(int i, byte[] initiation, TimeSpan now)
    {
        var result = Spokes[i].Decapsulate(initiation, HubEndpoint, _buffer, now);
        Expect(result, PacketAction.WriteToNetwork);
        return _buffer[..result.Length];
    }

    /// <summary>
    /// Delivers everything the devices owe each other until all are quiet, so every pending handshake
    /// completes, every staged packet goes out, and no peer is left in a series of retries.
    /// </summary>
    internal void Settle(TimeSpan now)
    {
        // Due retransmits go out (and get answered) too, which ends any series of attempts left running.
        Hub.HandleTimeout(now);
        foreach (var spoke in Spokes)
        {
            spoke.HandleTimeout(now);
        }

        bool moved = true;
        while (moved)
        {
            moved = false;
            while (Hub.TryDequeueTransmit(_buffer, now, out var transmit))
            {
                moved = true;
                int spoke = transmit.Endpoint.AddressBytes[3];
                Exchange(Spokes[spoke], _buffer.AsSpan(0, transmit.Length), HubEndpoint, Hub, SpokeEndpoints[spoke], now);
            }

            for (int i = 0; i < Spokes.Length; i++)
            {
                while (Spokes[i].TryDequeueTransmit(_buffer, now, out var transmit))
                {
                    moved = true;
                    Exchange(Hub, _buffer.AsSpan(0, transmit.Length), SpokeEndpoints[i], Spokes[i], HubEndpoint, now);
                }
            }
        }

        while (Hub.TryDequeueEvent(out _))
        {
        }

        foreach (var spoke in Spokes)
        {
            while (spoke.TryDequeueEvent(out _))
            {
            }
        }
    }

    internal static void Expect(PacketResult result, PacketAction action)
    {
        if (result.Action != action)
        {
            throw new InvalidOperationException($"Expected {action}, got {result}.");
        }
    }

    /// <summary>Delivers a datagram and, if the receiver answers (a response), the answer back.</summary>
    private void Exchange(Device receiver, ReadOnlySpan<byte> datagram, UdpEndpoint from, Device sender, UdpEndpoint receiverAt, TimeSpan now)
    {
        var result = receiver.Decapsulate(datagram, from, _reply, now);
        if (result.Action == PacketAction.WriteToNetwork)
        {
            sender.Decapsulate(_reply.AsSpan(0, result.Length), receiverAt, _buffer, now);
        }
    }

    private byte[] Dequeue(Device device, TimeSpan now)
    {
        // Drain everything (staged packets may follow); the initiation comes first.
        byte[]? first = null;
        while (device.TryDequeueTransmit(_buffer, now, out var transmit))
        {
            first ??= _buffer[..transmit.Length];
        }

        return first ?? throw new InvalidOperationException("No initiation was queued.");
    }

    private static PrivateKey NewKey(Random random)
    {
        var entropy = new byte[32];
        random.NextBytes(entropy);
        return PrivateKey.Create(entropy);
    }

    internal static byte[] Ipv4(byte[] source, byte[] destination, int payload = 64) =>
        PacketBuilder.IPv4(new IPAddress(source), new IPAddress(destination), new byte[payload]);
}
