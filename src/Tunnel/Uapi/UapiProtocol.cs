using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text;
using Tunnel.Configuration;
using Tunnel.Core.Crypto;

namespace Tunnel.Uapi;

/// <summary>
/// The text of the cross-platform configuration protocol (wireguard.com/xplatform) that the stock
/// <c>wg</c> tool speaks to a userspace implementation: the lines of a <c>set=1</c> operation, the answer
/// to <c>get=1</c> with wireguard-go's keys and order, and the <c>errno=</c> status line.
/// </summary>
public static partial class UapiProtocol
{
    /// <summary>
    /// Parses and validates the lines of a <c>set=1</c> operation (without the <c>set=1</c> line and the
    /// terminating empty line). Nothing is applied here; a request that fails is rejected whole.
    /// </summary>
    /// <param name="lines">The operation's lines.</param>
    /// <param name="request">The request, when the method returns <see langword="true"/>.</param>
    /// <param name="errno">0, or the negative errno to answer with (<see cref="UapiErrno"/>).</param>
    /// <param name="error">What is wrong, for the log, when the method returns <see langword="false"/>.</param>
    /// <returns>Whether every line is valid.</returns>
    public static bool TryParseSet(IEnumerable<string> lines, [NotNullWhen(true)] out UapiSetRequest? request, out int errno, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(lines);
        request = null;
        var device = new UapiSetRequest();
        var peers = new List<UapiPeerUpdate>();
        UapiPeerUpdate? peer = null;
        List<UapiAllowedIpChange>? allowedIps = null;

        foreach (string line in lines)
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                return Fail(UapiErrno.ProtocolError, $"failed to parse line '{line}'", out errno, out error);
            }

            string key = line[..equals], value = line[(equals + 1)..];
            if (key == "public_key")
            {
                if (!PublicKey.TryParseHex(value, out var publicKey))
                {
                    return Fail(UapiErrno.InvalidArgument, "public_key is not 64 hex digits", out errno, out error);
                }

                Flush(peers, peer, allowedIps);
                peer = new UapiPeerUpdate { PublicKey = publicKey };
                allowedIps = [];
                continue;
            }

            string? problem = peer is null
                ? ApplyDeviceLine(ref device, key, value)
                : ApplyPeerLine(ref peer, allowedIps!, key, value);
            if (problem is not null)
            {
                return Fail(UapiErrno.InvalidArgument, problem, out errno, out error);
            }
        }

        Flush(peers, peer, allowedIps);
        request = device with { Peers = peers };
        errno = UapiErrno.None;
        error = null;
        return true;
    }

    /// <summary>
    /// Writes the answer to <c>get=1</c> in wireguard-go's order: <c>private_key</c>, <c>listen_port</c> and
    /// <c>fwmark</c> when set, then per peer <c>public_key</c>, <c>preshared_key</c>, <c>protocol_version=1</c>,
    /// <c>endpoint</c> when known, the handshake time, the byte counters, the keepalive interval and one
    /// <c>allowed_ip</c> per prefix. Keys are lowercase hex. The status line is not included.
    /// </summary>
    /// <param name="state">The device's state.</param>
    /// <returns>The lines, each ending in a newline.</returns>
    public static string FormatGet(UapiDeviceState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var text = new StringBuilder();
        if (state.PrivateKey is { IsEmpty: false } privateKey)
        {
            Line(text, "private_key", privateKey.ToHexString());
        }

        if (state.ListenPort != 0)
        {
            Line(text, "listen_port", state.ListenPort.ToString(CultureInfo.InvariantCulture));
        }

        if (state.FwMark != 0)
        {
            Line(text, "fwmark", state.FwMark.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var peer in state.Peers)
        {
            Line(text, "public_key", peer.PublicKey.ToHexString());
            Line(text, "preshared_key", peer.PresharedKey.ToHexString());
            Line(text, "protocol_version", "1");
            if (peer.Endpoint is { } endpoint)
            {
                Line(text, "endpoint", endpoint.ToString());
            }

            long nanoseconds = peer.LastHandshake is { } handshake ? (handshake - DateTimeOffset.UnixEpoch).Ticks * TimeSpan.NanosecondsPerTick : 0;
            Line(text, "last_handshake_time_sec", (nanoseconds / 1_000_000_000).ToString(CultureInfo.InvariantCulture));
            Line(text, "last_handshake_time_nsec", (nanoseconds % 1_000_000_000).ToString(CultureInfo.InvariantCulture));
            Line(text, "tx_bytes", peer.TransmittedBytes.ToString(CultureInfo.InvariantCulture));
            Line(text, "rx_bytes", peer.ReceivedBytes.ToString(CultureInfo.InvariantCulture));
            Line(text, "persistent_keepalive_interval", peer.PersistentKeepaliveInterval.ToString(CultureInfo.InvariantCulture));
            foreach (var prefix in peer.AllowedIps)
            {
                Line(text, "allowed_ip", prefix.ToString());
            }
        }

        return text.ToString();
    }

    /// <summary>The status line that ends every answer, followed by the empty line that ends the answer.</summary>
    /// <param name="errno">0, or a negative errno.</param>
    /// <returns><c>errno=N</c>, a newline, and an empty line.</returns>
    public static string FormatStatus(int errno) => string.Create(CultureInfo.InvariantCulture, $"errno={errno}\n\n");

    private static string? ApplyDeviceLine(ref UapiSetRequest device, string key, string value)
    {
        switch (key)
        {
            case "private_key":
                if (!PrivateKey.TryParseHex(value, out var privateKey))
                {
                    return "private_key is not 64 hex digits";
                }

                device = device with { PrivateKey = privateKey };
                return null;
            case "listen_port":
                if (!ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ushort port))
                {
                    return $"listen_port '{value}' is not a number from 0 to 65535";
                }

                device = device with { ListenPort = port };
                return null;
            case "fwmark":
                if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint mark))
                {
                    return $"fwmark '{value}' is not a 32-bit number";
                }

                device = device with { FwMark = mark };
                return null;
            case "replace_peers":
                if (value != "true")
                {
                    return $"replace_peers must be 'true', not '{value}'";
                }

                device = device with { ReplacePeers = true };
                return null;
            default:
                return $"invalid UAPI device key '{key}'";
        }
    }

    private static string? ApplyPeerLine(ref UapiPeerUpdate peer, List<UapiAllowedIpChange> allowedIps, string key, string value)
    {
        switch (key)
        {
            case "update_only" or "remove" or "replace_allowed_ips":
                if (value != "true")
                {
                    return $"{key} must be 'true', not '{value}'";
                }

                peer = key switch
                {
                    "update_only" => peer with { UpdateOnly = true },
                    "remove" => peer with { Remove = true },
                    _ => peer with { ReplaceAllowedIps = true },
                };
                return null;
            case "preshared_key":
                if (!PresharedKey.TryParseHex(value, out var presharedKey))
                {
                    return "preshared_key is not 64 hex digits";
                }

                peer = peer with { PresharedKey = presharedKey };
                return null;
            case "endpoint":
                if (!PeerEndpoint.TryParse(value, out var endpoint) || endpoint.Address is not { } address)
                {
                    return $"endpoint '{value}' is not address:port or [address]:port";
                }

                peer = peer with { Endpoint = new IPEndPoint(address, endpoint.Port) };
                return null;
            case "persistent_keepalive_interval":
                if (!ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ushort interval))
                {
                    return $"persistent_keepalive_interval '{value}' is not a number from 0 to 65535";
                }

                peer = peer with { PersistentKeepaliveInterval = interval };
                return null;
            case "allowed_ip":
                bool remove = value.StartsWith('-');
                if (!TryParsePrefix(remove ? value[1..] : value, out var prefix))
                {
                    return $"allowed_ip '{value}' is not an address/prefix";
                }

                allowedIps.Add(new UapiAllowedIpChange(prefix, remove));
                return null;
            case "protocol_version":
                return value == "1" ? null : $"protocol_version '{value}' is not supported";
            default:
                return $"invalid UAPI peer key '{key}'";
        }
    }

    private static bool TryParsePrefix(string text, out IPNetwork prefix)
    {
        prefix = default;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !InterfaceAddress.TryParse(text, out var address))
        {
            return false;
        }

        prefix = address.ToNetwork();
        return true;
    }

    private static void Flush(List<UapiPeerUpdate> peers, UapiPeerUpdate? peer, List<UapiAllowedIpChange>? allowedIps)
    {
        if (peer is not null)
        {
            peers.Add(peer with { AllowedIps = allowedIps! });
        }
    }

    private static bool Fail(int code, string problem, out int errno, out string error)
    {
        errno = code;
        error = problem;
        return false;
    }

    private static void Line(StringBuilder text, string key, string value) => text.Append(key).Append('=').Append(value).Append('\n');
}
