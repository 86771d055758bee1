namespace Tunnel.Core.Protocol;

/// <summary>The outcome of one <see cref="Device"/> call: what to do with the bytes written into the caller's buffer.</summary>
public readonly struct PacketResult
{
    private PacketResult(PacketAction action, int length, Peer? peer, UdpEndpoint endpoint, DropReason reason)
    {
        Action = action;
        Length = length;
        Peer = peer;
        Endpoint = endpoint;
        DropReason = reason;
    }

    /// <summary>What to do.</summary>
    public PacketAction Action { get; }

    /// <summary>How many bytes of the destination buffer to send or deliver.</summary>
    public int Length { get; }

    /// <summary>The peer concerned, when there is one.</summary>
    public Peer? Peer { get; }

    /// <summary>Where to send, for <see cref="PacketAction.WriteToNetwork"/>.</summary>
    public UdpEndpoint Endpoint { get; }

    /// <summary>Why, for <see cref="PacketAction.Drop"/>.</summary>
    public DropReason DropReason { get; }

    internal static PacketResult None(Peer? peer = null) => new(PacketAction.None, 0, peer, default, DropReason.None);

    internal static PacketResult Queued(Peer peer) => new(PacketAction.Queued, 0, peer, default, DropReason.None);

    internal static PacketResult Network(int length, Peer? peer, UdpEndpoint endpoint) => new(PacketAction.WriteToNetwork, length, peer, endpoint, DropReason.None);

    internal static PacketResult Opening(int length, Peer peer) => new(PacketAction.Open, length, peer, default, DropReason.None);

    internal static PacketResult Handshaking(Peer? peer = null) => new(PacketAction.Handshake, 0, peer, default, DropReason.None);

    internal static PacketResult Tunnel(int length, Peer peer) => new(PacketAction.WriteToTunnel, length, peer, default, DropReason.None);

    internal static PacketResult Dropped(DropReason reason, Peer? peer = null) => new(PacketAction.Drop, 0, peer, default, reason);

    /// <inheritdoc/>
    public override string ToString() => Action switch
    {
        PacketAction.Drop => $"Drop({DropReason})",
        PacketAction.WriteToNetwork => $"WriteToNetwork({Length} bytes to {Endpoint})",
        PacketAction.WriteToTunnel => $"WriteToTunnel({Length} bytes)",
        _ => Action.ToString(),
    };
}
