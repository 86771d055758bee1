using System.Net;
using Tunnel.Core.Crypto;

namespace Tunnel.Configuration;

/// <summary>The <c>[Interface]</c> section of a wg-quick configuration file.</summary>
public sealed record InterfaceConfiguration
{
    private PrivateKey? _privateKey;

    /// <summary>The interface's private key, if the file sets one.</summary>
    public PrivateKey? PrivateKey { get => _privateKey; init => _privateKey = value; }

    /// <summary>The UDP port to listen on; 0 or unset picks a random port.</summary>
    public ushort? ListenPort { get; init; }

    /// <summary>The firewall mark for outgoing datagrams; unset or <c>off</c> means none.</summary>
    public uint? FwMark { get; init; }

    /// <summary>Addresses assigned to the interface (wg-quick's <c>Address</c>).</summary>
    public IReadOnlyList<InterfaceAddress> Addresses { get; init; } = [];

    /// <summary>DNS servers while the tunnel is up (the addresses among wg-quick's <c>DNS</c> entries).</summary>
    public IReadOnlyList<IPAddress> DnsServers { get; init; } = [];

    /// <summary>DNS search domains (the names among wg-quick's <c>DNS</c> entries).</summary>
    public IReadOnlyList<string> DnsSearchDomains { get; init; } = [];

    /// <summary>The interface MTU, if set.</summary>
    public int? Mtu { get; init; }

    /// <summary>The routing table for the routes of the peers' allowed IPs: <c>off</c>, <c>auto</c>, a number or a table name.</summary>
    public string? Table { get; init; }

    /// <summary>Shell commands run before the interface comes up.</summary>
    public IReadOnlyList<string> PreUp { get; init; } = [];

    /// <summary>Shell commands run after the interface comes up.</summary>
    public IReadOnlyList<string> PostUp { get; init; } = [];

    /// <summary>Shell commands run before the interface goes down.</summary>
    public IReadOnlyList<string> PreDown { get; init; } = [];

    /// <summary>Shell commands run after the interface goes down.</summary>
    public IReadOnlyList<string> PostDown { get; init; } = [];

    /// <summary>Whether wg-quick saves the live configuration back to the file when the interface goes down.</summary>
    public bool? SaveConfig { get; init; }

    /// <summary>
    /// Wipes the private key this object holds, in place (a <see cref="Core.Crypto.PrivateKey"/> is a value: copies
    /// made by <c>with</c> expressions are wiped by their owners). A configuration read from a file keeps the
    /// key until wiped, so an application that has brought it up wipes it.
    /// </summary>
    public void ClearPrivateKey() => Tunnel.Internal.Secrets.Clear(ref _privateKey);
}
