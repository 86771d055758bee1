using Tunnel.Core.Crypto;

namespace Tunnel.Uapi;

/// <summary>What a <c>get=1</c> operation reports about a device.</summary>
public sealed record UapiDeviceState
{
    /// <summary>The private key, if one is set.</summary>
    public PrivateKey? PrivateKey { get; init; }

    /// <summary>The port the device listens on (0: not listening).</summary>
    public ushort ListenPort { get; init; }

    /// <summary>The firewall mark (0: none).</summary>
    public uint FwMark { get; init; }

    /// <summary>The peers.</summary>
    public IReadOnlyList<UapiPeerState> Peers { get; init; } = [];
}
