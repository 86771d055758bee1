using System.Net;
using Tunnel.Core.Crypto;

namespace Tunnel;

/// <summary>Something that happened to one peer of a <see cref="TunnelHost"/>, as <see cref="TunnelHost.WatchAsync"/> reports it.</summary>
public sealed record TunnelPeerEvent
{
    /// <summary>What happened.</summary>
    public required TunnelPeerEventKind Kind { get; init; }

    /// <summary>The peer's public key.</summary>
    public required PublicKey PublicKey { get; init; }

    /// <summary>The peer's endpoint when it happened (for <see cref="TunnelPeerEventKind.EndpointChanged"/>, the new one).</summary>
    public IPEndPoint? Endpoint { get; init; }

    /// <summary>When it happened, by the host's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset Time { get; init; }
}
