using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Tunnel.Core.Crypto;
using Tunnel.Core.Protocol;
using Tunnel.Sockets;

namespace Tunnel.Tests.Hosting;

/// <summary>
/// The engine's handshake queue over the portable UDP socket (no root): a burst of initiations with valid
/// MAC1s puts the device under load, whatever the socket's batch size, so they draw cookie replies instead of
/// Diffie-Hellman work, and transport data between two hosts keeps flowing through it.
/// </summary>
public sealed class HandshakeFloodTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ABurstOfInitiations_DrawsCookieReplies_WhileDataFlows()
    {
        await using var pair = HostPair.Start(UdpDatagramSocketFactory.Instance, UdpDatagramSocketFactory.Instance, IPAddress.Loopback);
        Assert.NotNull(HostPair.Exchange(pair.TunA, pair.TunB, TunnelHostTests.Ping(HostPair.AddressA, HostPair.AddressB, "before"), Timeout));

        using var attacker = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        attacker.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        attacker.ReceiveTimeout = 100;
        var target = new IPEndPoint(IPAddress.Loopback, pair.B.ListenPort);
        byte[] mac1Key = new byte[32];
        Blake2s.HashData([.. "mac1----"u8, .. pair.B.PublicKey!.Value.AsSpan()], mac1Key);
        var initiation = new byte[148];
        var reply = new byte[256];
        int cookies = 0;

        // A few initiations, far below the load threshold, are worked on first: on a busy machine a whole burst
        // could otherwise queue up before the worker takes its first one.
        for (int i = 0; i < 8; i++)
        {
            SendForgedInitiation();
        }

        await HostPair.WaitUntil(() => pair.B.GetStatistics().Drops.GetValueOrDefault(DropReason.HandshakeFailed) > 0);
        for (int round = 0; round < 50 && cookies == 0; round++)
        {
            // Bursts small enough for the default socket buffer, large enough to back the queue up.
            for (int i = 0; i < 400; i++)
            {
                SendForgedInitiation();
            }

            Assert.NotNull(HostPair.Exchange(pair.TunA, pair.TunB, TunnelHostTests.Ping(HostPair.AddressA, HostPair.AddressB, $"during {round}"), Timeout));
            while (TryReceive(attacker, reply, out int length))
            {
                if (length == 64 && reply[0] == 3)
                {
                    cookies++;
                }
            }
        }

        Assert.True(cookies > 0, "no cookie reply to a burst of initiations");
        TunnelStatistics statistics = pair.B.GetStatistics();
        Assert.True(statistics.Drops.GetValueOrDefault(DropReason.InvalidMac2) >= cookies);
        Assert.True(statistics.Drops.GetValueOrDefault(DropReason.HandshakeFailed) > 0, "no initiation was worked on before the load was seen");
        Assert.NotNull(HostPair.Exchange(pair.TunB, pair.TunA, TunnelHostTests.Ping(HostPair.AddressB, HostPair.AddressA, "after"), Timeout));

        // An initiation with a valid MAC1 and random contents: it passes the cheap checks, then fails the handshake.
        void SendForgedInitiation()
        {
            RandomNumberGenerator.Fill(initiation);
            BinaryPrimitives.WriteUInt32LittleEndian(initiation, 1);
            Blake2s.HashData(mac1Key, initiation.AsSpan(0, 116), initiation.AsSpan(116, 16));
            initiation.AsSpan(132).Clear();
            attacker.SendTo(initiation, target);
        }
    }

    private static bool TryReceive(Socket socket, byte[] buffer, out int length)
    {
        try
        {
            length = socket.Receive(buffer);
            return true;
        }
        catch (SocketException error) when (error.SocketErrorCode == SocketError.TimedOut)
        {
            length = 0;
            return false;
        }
    }
}
