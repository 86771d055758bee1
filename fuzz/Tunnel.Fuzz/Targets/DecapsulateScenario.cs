using System.Net;
using Tunnel.Core;
using Tunnel.Core.Crypto;
using Tunnel.Core.Protocol;
using Tunnel.Testing;

namespace Tunnel.Fuzz.Targets;

/// <summary>
/// Two devices with fixed keys and entropy that complete a handshake at a fixed time, so the datagrams an
/// initiator sends to the responder are the same in every run: the seed corpus of the
/// <see cref="DecapsulateTarget"/> is written from here (<c>tunnel-fuzz write-seeds decapsulate</c>).
/// </summary>
internal sealed class DecapsulateScenario
{
    internal static readonly UdpEndpoint InitiatorEndpoint = new([192, 0, 2, 1], 51820);
    internal static readonly UdpEndpoint ResponderEndpoint = new([192, 0, 2, 2], 51820);
    internal static readonly TimeSpan Start = TimeSpan.FromHours(1);

    private readonly byte[] _buffer = new byte[2048];
    private readonly byte[] _reply = new byte[2048];

    internal DecapsulateScenario()
    {
        Initiator = new Device(new DeviceOptions { PrivateKey = PrivateKey.Create(Fill(1)) }, new DeterministicEntropy(1));
        Responder = new Device(new DeviceOptions { PrivateKey = PrivateKey.Create(Fill(2)) }, new DeterministicEntropy(2));
        var responderOnInitiator = Initiator.AddPeer(Responder.PublicKey);
        Initiator.SetEndpoint(responderOnInitiator, ResponderEndpoint);
        Initiator.AddAllowedIp(responderOnInitiator, IPNetwork.Parse("10.0.0.2/32"));
        var initiatorOnResponder = Responder.AddPeer(Initiator.PublicKey);
        Responder.SetEndpoint(initiatorOnResponder, InitiatorEndpoint);
        Responder.AddAllowedIp(initiatorOnResponder, IPNetwork.Parse("10.0.0.1/32"));
    }

    internal Device Initiator { get; }

    internal Device Responder { get; }

    /// <summary>Runs the handshake and some traffic; returns every datagram the initiator sent to the responder.</summary>
    internal List<byte[]> Play()
    {
        var sent = new List<byte[]>();
        byte[] packet = Ipv4(64);
        Initiator.Encapsulate(packet, _buffer, Start);
        Initiator.TryDequeueTransmit(_buffer, Start, out var initiation);
        sent.Add(_buffer[..initiation.Length]);
        var response = Responder.Decapsulate(_buffer.AsSpan(0, initiation.Length), InitiatorEndpoint, _reply, Start);
        Initiator.Decapsulate(_reply.AsSpan(0, response.Length), ResponderEndpoint, _buffer, Start);
        while (Initiator.TryDequeueTransmit(_buffer, Start, out var transmit))
        {
            sent.Add(_buffer[..transmit.Length]);
        }

        foreach (int size in new[] { 0, 1, 40, 700, 1380 })
        {
            var result = Initiator.Encapsulate(Ipv4(size), _buffer, Start);
            sent.Add(_buffer[..result.Length]);
        }

        return sent;
    }

    private static byte[] Ipv4(int payload) =>
        PacketBuilder.IPv4(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"), new byte[payload]);

    private static byte[] Fill(int seed) => Enumerable.Range(0, 32).Select(i => (byte)((i * 7) + seed)).ToArray();
}
