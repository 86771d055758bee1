using System.Net;
using Tunnel.Core.Crypto;

namespace Tunnel.Uapi;

/// <summary>The lines of a set operation that follow one <c>public_key</c>: the changes to that peer.</summary>
public sealed record UapiPeerUpdate
{
    /// <summary>The peer the lines apply to.</summary>
    public required PublicKey PublicKey { get; init; }

    /// <summary><c>remove=true</c>: remove the peer.</summary>
    public bool Remove { get; init; }

    /// <summary><c>update_only=true</c>: change the peer only if it already exists.</summary>
    public bool UpdateOnly { get; init; }

    /// <summary>The new preshared key (all zeros: none), if the request sets one.</summary>
    public PresharedKey? PresharedKey { get => _presharedKey; init => _presharedKey = value; }

    private PresharedKey? _presharedKey;

    /// <summary>The new endpoint, if the request sets one.</summary>
    public IPEndPoint? Endpoint { get; init; }

    /// <summary>The new persistent keepalive interval in seconds (0: off), if the request sets one.</summary>
    public ushort? PersistentKeepaliveInterval { get; init; }

    /// <summary><c>replace_allowed_ips=true</c>: drop the peer's allowed IPs before applying <see cref="AllowedIps"/>.</summary>
    public bool ReplaceAllowedIps { get; init; }

    /// <summary>The <c>allowed_ip</c> lines, in order.</summary>
    public IReadOnlyList<UapiAllowedIpChange> AllowedIps { get; init; } = [];

    /// <summary>Wipes the preshared key this update holds.</summary>
    internal void ClearKeys() => Tunnel.Internal.Secrets.Clear(ref _presharedKey);
}
