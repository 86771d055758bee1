using System.Net;
using Tunnel.Core.Crypto;
using Tunnel.Core.Messages;
using Tunnel.Core.Protocol;
using Tunnel.Core.Protocol.Internal;
using Tunnel.Core.Tests.Support;
using Tunnel.Testing;

namespace Tunnel.Core.Tests.Protocol;

/// <summary>
/// Received handshakes in steps (prepare under the driver's lock, run anywhere, continue under the lock):
/// the same bytes as the one-call path, and never a result applied to state that changed while the job ran.
/// </summary>
public sealed class DeviceHandshakeJobTests
{
    [Fact]
    public void Steps_AnswerAnInitiation_ByteForByteAsDecapsulate()
    {
        var oneCall = new TwoDevices(seed: 5);
        var steps = new TwoDevices(seed: 5);
        byte[] initiation = InitiationFromA(oneCall);
        Assert.Equal(initiation, InitiationFromA(steps));

        var expected = new byte[256];
        PacketResult direct = oneCall.B.Decapsulate(initiation, TwoDevices.EndpointA, expected, oneCall.Now);
        Assert.Equal(PacketAction.WriteToNetwork, direct.Action);

        var response = new byte[256];
        PacketResult result = steps.B.PrepareHandshake(initiation, TwoDevices.EndpointA, response, steps.Now, out HandshakeJob job);
        int runs = 0;
        while (result.Action == PacketAction.Handshake)
        {
            Assert.True(job.IsPending);
            job.Run(initiation);
            runs++;
            result = steps.B.ContinueHandshake(initiation, TwoDevices.EndpointA, response, ref job, steps.Now);
        }

        Assert.Equal(2, runs); // "e, es, s" then the response's "e, ee, se, psk"
        Assert.Equal(PacketAction.WriteToNetwork, result.Action);
        Assert.Equal(direct.Length, result.Length);
        Assert.Equal(expected.AsSpan(0, direct.Length).ToArray(), response.AsSpan(0, result.Length).ToArray());
        AssertWiped(job);
    }

    [Fact]
    public void Steps_CompleteTheInitiatorsSession()
    {
        var net = new TwoDevices();
        byte[] initiation = InitiationFromA(net);
        var response = new byte[256];
        Assert.Equal(PacketAction.WriteToNetwork, net.B.Decapsulate(initiation, TwoDevices.EndpointA, response, net.Now).Action);
        byte[] message = response[..MessageLayout.ResponseSize];

        PacketResult result = net.A.PrepareHandshake(message, TwoDevices.EndpointB, new byte[256], net.Now, out HandshakeJob job);
        Assert.Equal(PacketAction.Handshake, result.Action);
        job.Run(message);
        result = net.A.ContinueHandshake(message, TwoDevices.EndpointB, new byte[256], ref job, net.Now);

        Assert.Equal(PacketAction.None, result.Action);
        Assert.NotNull(net.BOnA.LastHandshake);
        AssertWiped(job);

        // The session works: the staged packet and B's answer go through.
        net.Pump();
        Assert.Single(net.TunnelB);
    }

    [Fact]
    public void AnInitiationWhosePeerIsRemovedWhileItRuns_IsDropped_AndLeavesNoIndex()
    {
        var net = new TwoDevices();
        byte[] initiation = InitiationFromA(net);
        var response = new byte[256];
        PacketResult result = net.B.PrepareHandshake(initiation, TwoDevices.EndpointA, response, net.Now, out HandshakeJob job);
        job.Run(initiation);
        result = net.B.ContinueHandshake(initiation, TwoDevices.EndpointA, response, ref job, net.Now);
        Assert.Equal(PacketAction.Handshake, result.Action);
        job.Run(initiation);

        Assert.True(net.B.RemovePeer(net.A.PublicKey));
        result = net.B.ContinueHandshake(initiation, TwoDevices.EndpointA, response, ref job, net.Now);

        Assert.Equal(PacketAction.Drop, result.Action);
        Assert.Equal(DropReason.HandshakeFailed, result.DropReason);
        Assert.Null(result.Peer);
        Assert.Equal(0u, net.AOnB.Handshake.LocalIndex);
        AssertWiped(job);
    }

    [Fact]
    public void ANewerInitiationAppliedWhileAnOlderRuns_MakesTheOlderStale()
    {
        var net = new TwoDevices();
        byte[] older = InitiationFromA(net, clockAhead: TimeSpan.FromHours(1));
        byte[] newer = InitiationFromA(net, clockAhead: TimeSpan.FromHours(2));
        var response = new byte[256];
        PacketResult result = net.B.PrepareHandshake(older, TwoDevices.EndpointA, response, net.Now, out HandshakeJob job);
        job.Run(older);
        Assert.Equal(PacketAction.Handshake, net.B.ContinueHandshake(older, TwoDevices.EndpointA, response, ref job, net.Now).Action);
        job.Run(older);

        net.Now += TimeSpan.FromSeconds(1);
        Assert.Equal(PacketAction.WriteToNetwork, net.B.Decapsulate(newer, TwoDevices.EndpointA, new byte[256], net.Now).Action);
        uint newerIndex = net.AOnB.NextKeypair!.LocalIndex;
        result = net.B.ContinueHandshake(older, TwoDevices.EndpointA, response, ref job, net.Now);

        Assert.Equal(DropReason.StaleTimestamp, result.DropReason);
        Assert.Equal(newerIndex, net.AOnB.NextKeypair!.LocalIndex); // the newer session stands
    }

    [Fact]
    public void AResponseToAnInitiationReplacedWhileItRuns_IsNotApplied()
    {
        var net = new TwoDevices();
        byte[] initiation = InitiationFromA(net);
        var response = new byte[256];
        Assert.Equal(PacketAction.WriteToNetwork, net.B.Decapsulate(initiation, TwoDevices.EndpointA, response, net.Now).Action);
        byte[] message = response[..MessageLayout.ResponseSize];

        PacketResult result = net.A.PrepareHandshake(message, TwoDevices.EndpointB, new byte[256], net.Now, out HandshakeJob job);
        job.Run(message);

        // A's retry (Rekey-Timeout passed) replaces the initiation this response answers.
        net.Now += TimeSpan.FromSeconds(6);
        net.A.HandleTimeout(net.Now);
        Assert.True(net.A.TryDequeueTransmit(new byte[256], net.Now, out var retry));
        Assert.Equal(MessageLayout.InitiationSize, retry.Length);
        result = net.A.ContinueHandshake(message, TwoDevices.EndpointB, new byte[256], ref job, net.Now);

        Assert.Equal(DropReason.UnknownReceiver, result.DropReason);
        Assert.Null(net.BOnA.LastHandshake);
    }

    [Fact]
    public void APrivateKeyChangeWhileAJobRuns_DropsIt()
    {
        var net = new TwoDevices();
        byte[] initiation = InitiationFromA(net);
        var response = new byte[256];
        net.B.PrepareHandshake(initiation, TwoDevices.EndpointA, response, net.Now, out HandshakeJob job);
        job.Run(initiation);

        net.B.SetPrivateKey(PrivateKey.Create(Bytes.Random(32, 999)));
        PacketResult result = net.B.ContinueHandshake(initiation, TwoDevices.EndpointA, response, ref job, net.Now);

        Assert.Equal(DropReason.HandshakeFailed, result.DropReason);
        AssertWiped(job);
    }

    [Fact]
    public void UnderLoad_AnUnprovenInitiation_GetsACookieAndNoJob()
    {
        var net = new TwoDevices();
        byte[] initiation = InitiationFromA(net);
        net.B.ReportHandshakeBacklog(128, net.Now);
        var reply = new byte[256];

        PacketResult result = net.B.PrepareHandshake(initiation, TwoDevices.EndpointA, reply, net.Now, out HandshakeJob job);

        Assert.Equal(PacketAction.WriteToNetwork, result.Action);
        Assert.Equal(MessageLayout.CookieReplySize, result.Length);
        Assert.Equal(MessageType.CookieReply, MessageLayout.Classify(reply.AsSpan(0, result.Length)));
        Assert.False(job.IsPending);
        Assert.Equal(1, net.B.GetDropCount(DropReason.InvalidMac2));
    }

    [Fact]
    public void BelowTheBacklogThreshold_TheDeviceIsNotUnderLoad()
    {
        var net = new TwoDevices();
        byte[] initiation = InitiationFromA(net);
        net.B.ReportHandshakeBacklog(127, net.Now);

        PacketResult result = net.B.PrepareHandshake(initiation, TwoDevices.EndpointA, new byte[256], net.Now, out HandshakeJob job);

        Assert.Equal(PacketAction.Handshake, result.Action);
        job.Clear();
        AssertWiped(job);
    }

    [Fact]
    public void ContinuingAJobThatWasNotRun_Throws()
    {
        var net = new TwoDevices();
        byte[] initiation = InitiationFromA(net);
        net.B.PrepareHandshake(initiation, TwoDevices.EndpointA, new byte[256], net.Now, out HandshakeJob job);
        Assert.Throws<ArgumentException>(() => net.B.ContinueHandshake(initiation, TwoDevices.EndpointA, new byte[256], ref job, net.Now));
    }

    [Fact]
    public void OurInitiation_InSteps_IsByteForByteTheOneCallInitiation_AndCompletesTheHandshake()
    {
        var oneCall = new TwoDevices(seed: 9);
        var steps = new TwoDevices(seed: 9);
        byte[] expected = InitiationFromA(oneCall);

        var buffer = new byte[2048];
        Assert.Equal(PacketAction.Queued, steps.A.Encapsulate(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 10), buffer, steps.Now).Action);
        Assert.True(steps.A.TryDequeueTransmit(buffer, steps.Now, out PacketResult transmit, out SealJob seal, out HandshakeJob job));
        Assert.Equal(PacketAction.Handshake, transmit.Action);
        Assert.False(seal.IsPending);
        Assert.True(job.IsPending);
        Assert.False(steps.A.TryDequeueTransmit(buffer, steps.Now, out _, out _, out _)); // the retry is armed, not queued

        job.Run(default);
        PacketResult result = steps.A.ContinueHandshake(default, default, buffer, ref job, steps.Now);
        Assert.Equal(PacketAction.WriteToNetwork, result.Action);
        Assert.Equal(TwoDevices.EndpointB, result.Endpoint);
        Assert.Equal(expected, buffer[..result.Length]);
        AssertWiped(job);
        Assert.Equal(MessageLayout.InitiationSize, steps.BOnA.TransmittedBytes);

        // B answers it, A's session begins and releases the staged packet.
        steps.Deliver(buffer[..result.Length], toB: true);
        steps.Pump();
        Assert.Single(steps.TunnelB);
        Assert.NotNull(steps.BOnA.LastHandshake);
    }

    [Fact]
    public void OurInitiation_SupersededByThePeersWhileItRuns_IsNotSent_AndThePeersSessionStands()
    {
        var net = new TwoDevices();
        var buffer = new byte[2048];
        Assert.Equal(PacketAction.Queued, net.A.Encapsulate(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 10), buffer, net.Now).Action);
        Assert.True(net.A.TryDequeueTransmit(buffer, net.Now, out PacketResult transmit, out _, out HandshakeJob job));
        Assert.Equal(PacketAction.Handshake, transmit.Action);
        job.Run(default);

        // Meanwhile B initiates, and A answers: A's handshake is now the responder's.
        Assert.Equal(PacketAction.Queued, net.B.Encapsulate(Packets.IPv4(TwoDevices.AddressB, TwoDevices.AddressA, 10), new byte[2048], net.Now).Action);
        var fromB = new byte[2048];
        Assert.True(net.B.TryDequeueTransmit(fromB, net.Now, out PacketResult initiationFromB));
        var response = new byte[256];
        Assert.Equal(PacketAction.WriteToNetwork, net.A.Decapsulate(fromB.AsSpan(0, initiationFromB.Length), TwoDevices.EndpointB, response, net.Now).Action);

        PacketResult result = net.A.ContinueHandshake(default, default, buffer, ref job, net.Now);
        Assert.Equal(PacketAction.None, result.Action);
        AssertWiped(job);

        // The responder's session is intact: B takes A's response and traffic flows both ways.
        net.Deliver(response[..MessageLayout.ResponseSize], toB: true);
        net.Pump();
        Assert.NotEmpty(net.TunnelA);
        Assert.NotNull(net.BOnA.LastHandshake);
        Assert.Empty(net.DropsA);
    }

    [Theory]
    [InlineData(false, PacketAction.None)] // the peer removed: nothing to send, nothing counted
    [InlineData(true, PacketAction.Drop)] // our key changed: the work was done under the old identity
    public void OurInitiation_WhosePeerOrKeyChangedWhileItRan_IsNotSent(bool changeKey, PacketAction expected)
    {
        var net = new TwoDevices();
        var buffer = new byte[2048];
        Assert.Equal(PacketAction.Queued, net.A.Encapsulate(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 10), buffer, net.Now).Action);
        Assert.True(net.A.TryDequeueTransmit(buffer, net.Now, out _, out _, out HandshakeJob job));
        job.Run(default);
        if (changeKey)
        {
            net.A.SetPrivateKey(PrivateKey.Create(Bytes.Random(32, 77)));
        }
        else
        {
            Assert.True(net.A.RemovePeer(net.B.PublicKey));
        }

        Assert.Equal(expected, net.A.ContinueHandshake(default, default, buffer, ref job, net.Now).Action);
        AssertWiped(job);
    }

    private static void AssertWiped(in HandshakeJob job)
    {
        Assert.False(job.IsPending);
        Assert.Equal(HandshakeJobStep.None, job.Step);
        Assert.Null(job.Peer);
        Assert.True(((ReadOnlySpan<byte>)job.LocalStatic).IndexOfAnyExcept((byte)0) < 0);
        Assert.True(((ReadOnlySpan<byte>)job.LocalEphemeral).IndexOfAnyExcept((byte)0) < 0);
        Assert.True(((ReadOnlySpan<byte>)job.Noise.ChainingKey).IndexOfAnyExcept((byte)0) < 0);
    }

    /// <summary>A's initiation to B; with <paramref name="clockAhead"/>, from a copy of A whose wall clock runs ahead (a newer timestamp).</summary>
    private static byte[] InitiationFromA(TwoDevices net, TimeSpan? clockAhead = null)
    {
        Device sender = net.A;
        if (clockAhead is { } ahead)
        {
            sender = new Device(
                new DeviceOptions { PrivateKey = PrivateKey.Create(Bytes.Random(32, 2)), WallClockAtZero = DateTimeOffset.UnixEpoch + ahead },
                new DeterministicEntropy((int)ahead.TotalHours));
            Assert.Equal(net.A.PublicKey, sender.PublicKey);
            var peer = sender.AddPeer(net.B.PublicKey);
            sender.SetEndpoint(peer, TwoDevices.EndpointB);
            sender.AddAllowedIp(peer, new IPNetwork(new IPAddress(TwoDevices.AddressB), 32));
        }

        var buffer = new byte[2048];
        Assert.Equal(PacketAction.Queued, sender.Encapsulate(Packets.IPv4(TwoDevices.AddressA, TwoDevices.AddressB, 10), buffer, net.Now).Action);
        Assert.True(sender.TryDequeueTransmit(buffer, net.Now, out var transmit));
        Assert.Equal(MessageLayout.InitiationSize, transmit.Length);
        return buffer[..transmit.Length];
    }
}
