using Tunnel.Core.Crypto;

namespace Tunnel.Uapi;

/// <summary>
/// A whole, validated <c>set=1</c> operation of the cross-platform configuration protocol
/// (wireguard.com/xplatform). Parsing checks every line before anything is applied, so a request that fails
/// changes nothing: stricter than wireguard-go, which applies lines as it reads them.
/// </summary>
public sealed record UapiSetRequest
{
    /// <summary>The new private key (all zeros: remove it), if the request sets one.</summary>
    public PrivateKey? PrivateKey { get => _privateKey; init => _privateKey = value; }

    private PrivateKey? _privateKey;

    /// <summary>The new listen port (0: random), if the request sets one.</summary>
    public ushort? ListenPort { get; init; }

    /// <summary>The new firewall mark (0: none), if the request sets one.</summary>
    public uint? FwMark { get; init; }

    /// <summary><c>replace_peers=true</c>: remove every peer before applying <see cref="Peers"/>.</summary>
    public bool ReplacePeers { get; init; }

    /// <summary>The peer sections, in order.</summary>
    public IReadOnlyList<UapiPeerUpdate> Peers { get; init; } = [];

    /// <summary>Wipes the keys this request holds, once applied (the request a host makes of its options at start).</summary>
    internal void ClearKeys()
    {
        Tunnel.Internal.Secrets.Clear(ref _privateKey);
        foreach (var peer in Peers)
        {
            peer.ClearKeys();
        }
    }
}
