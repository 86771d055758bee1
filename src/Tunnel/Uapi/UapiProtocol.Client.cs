using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text;
using Tunnel.Core.Crypto;

namespace Tunnel.Uapi;

/// <summary>The client's side of the protocol: writing set operations and reading get answers.</summary>
public static partial class UapiProtocol
{
    /// <summary>
    /// Writes the lines of a <c>set=1</c> operation for <paramref name="request"/>, in the order <c>wg</c> sends
    /// them (without the <c>set=1</c> line and the terminating empty line): what <see cref="TryParseSet"/> reads back.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <returns>The lines, each ending in a newline.</returns>
    public static string FormatSet(UapiSetRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var text = new StringBuilder();
        if (request.PrivateKey is { } privateKey)
        {
            Line(text, "private_key", privateKey.ToHexString());
        }

        if (request.ListenPort is { } port)
        {
            Line(text, "listen_port", port.ToString(CultureInfo.InvariantCulture));
        }

        if (request.FwMark is { } mark)
        {
            Line(text, "fwmark", mark.ToString(CultureInfo.InvariantCulture));
        }

        if (request.ReplacePeers)
        {
            Line(text, "replace_peers", "true");
        }

        foreach (UapiPeerUpdate peer in request.Peers)
        {
            Line(text, "public_key", peer.PublicKey.ToHexString());
            if (peer.Remove)
            {
                Line(text, "remove", "true");
                continue;
            }

            if (peer.UpdateOnly)
            {
                Line(text, "update_only", "true");
            }

            if (peer.PresharedKey is { } presharedKey)
            {
                Line(text, "preshared_key", presharedKey.ToHexString());
            }

            if (peer.Endpoint is { } endpoint)
            {
                Line(text, "endpoint", endpoint.ToString());
            }

            if (peer.PersistentKeepaliveInterval is { } interval)
            {
                Line(text, "persistent_keepalive_interval", interval.ToString(CultureInfo.InvariantCulture));
            }

            if (peer.ReplaceAllowedIps)
            {
                Line(text, "replace_allowed_ips", "true");
            }

            foreach (UapiAllowedIpChange change in peer.AllowedIps)
            {
                Line(text, "allowed_ip", change.Remove ? "-" + change.Prefix : change.Prefix.ToString());
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// Reads the answer to <c>get=1</c> (the lines up to and including <c>errno=</c>, without the empty line).
    /// Unknown keys are skipped, so newer servers' additions do not break the client.
    /// </summary>
    /// <param name="lines">The answer's lines.</param>
    /// <param name="state">The state, when the answer is well formed and its errno is 0.</param>
    /// <param name="errno">The answer's errno.</param>
    /// <param name="error">What is wrong, when the method returns <see langword="false"/>.</param>
    /// <returns>Whether the answer was read and reported success.</returns>
    public static bool TryParseGet(IEnumerable<string> lines, [NotNullWhen(true)] out UapiDeviceState? state, out int errno, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(lines);
        state = null;
        errno = UapiErrno.ProtocolError;
        var device = new UapiDeviceState();
        var peers = new List<UapiPeerState>();
        UapiPeerState? peer = null;
        List<IPNetwork>? allowedIps = null;
        long seconds = 0;
        bool sawErrno = false;
        foreach (string line in lines)
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                error = $"failed to parse line '{line}'";
                return false;
            }

            string key = line[..equals], value = line[(equals + 1)..];
            bool ok = true;
            switch (key)
            {
                case "errno":
                    ok = int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out errno);
                    sawErrno = true;
                    break;
                case "private_key" when peer is null:
                    ok = PrivateKey.TryParseHex(value, out var privateKey);
                    device = device with { PrivateKey = privateKey };
                    break;
                case "listen_port" when peer is null:
                    ok = ushort.TryParse(value, CultureInfo.InvariantCulture, out ushort port);
                    device = device with { ListenPort = port };
                    break;
                case "fwmark" when peer is null:
                    ok = uint.TryParse(value, CultureInfo.InvariantCulture, out uint mark);
                    device = device with { FwMark = mark };
                    break;
                case "public_key":
                    AddPeer(peers, peer, allowedIps);
                    ok = PublicKey.TryParseHex(value, out var publicKey);
                    peer = new UapiPeerState { PublicKey = publicKey };
                    allowedIps = [];
                    break;
                case "preshared_key" when peer is not null:
                    ok = PresharedKey.TryParseHex(value, out var presharedKey);
                    peer = peer with { PresharedKey = presharedKey };
                    break;
                case "endpoint" when peer is not null:
                    ok = IPEndPoint.TryParse(value, out var endpoint);
                    peer = peer with { Endpoint = endpoint };
                    break;
                case "last_handshake_time_sec" when peer is not null:
                    ok = long.TryParse(value, CultureInfo.InvariantCulture, out seconds);
                    break;
                case "last_handshake_time_nsec" when peer is not null:
                    ok = long.TryParse(value, CultureInfo.InvariantCulture, out long nanoseconds);
                    peer = peer with
                    {
                        LastHandshake = seconds == 0 && nanoseconds == 0 ? null
                            : DateTimeOffset.UnixEpoch.AddSeconds(seconds).AddTicks(nanoseconds / TimeSpan.NanosecondsPerTick),
                    };
                    break;
                case "tx_bytes" when peer is not null:
                    ok = long.TryParse(value, CultureInfo.InvariantCulture, out long transmitted);
                    peer = peer with { TransmittedBytes = transmitted };
                    break;
                case "rx_bytes" when peer is not null:
                    ok = long.TryParse(value, CultureInfo.InvariantCulture, out long received);
                    peer = peer with { ReceivedBytes = received };
                    break;
                case "persistent_keepalive_interval" when peer is not null:
                    ok = ushort.TryParse(value, CultureInfo.InvariantCulture, out ushort interval);
                    peer = peer with { PersistentKeepaliveInterval = interval };
                    break;
                case "allowed_ip" when allowedIps is not null:
                    ok = TryParsePrefix(value, out var prefix);
                    allowedIps.Add(prefix);
                    break;
            }

            if (!ok)
            {
                error = $"invalid value in line '{line}'";
                return false;
            }
        }

        AddPeer(peers, peer, allowedIps);
        if (!sawErrno)
        {
            error = "the answer has no errno line";
            return false;
        }

        if (errno != UapiErrno.None)
        {
            error = $"the device answered errno={errno}";
            return false;
        }

        state = device with { Peers = peers };
        error = null;
        return true;
    }

    private static void AddPeer(List<UapiPeerState> peers, UapiPeerState? peer, List<IPNetwork>? allowedIps)
    {
        if (peer is not null)
        {
            peers.Add(peer with { AllowedIps = allowedIps! });
        }
    }
}
