using System.Globalization;
using System.Text;

namespace Tunnel.Configuration.Internal;

/// <summary>Writes a configuration in wg-quick's format with keys in a fixed order.</summary>
internal static class ConfWriter
{
    private const string Hidden = "(hidden)";

    /// <summary>The text of the file; with <paramref name="withKeys"/> false, the private and preshared keys read <c>(hidden)</c>.</summary>
    internal static string Write(WireGuardConfiguration configuration, bool withKeys = true)
    {
        var text = new StringBuilder();
        var iface = configuration.Interface;
        text.Append("[Interface]\n");
        if (iface.PrivateKey is { } privateKey)
        {
            Line(text, "PrivateKey", withKeys ? privateKey.ToBase64String() : Hidden);
        }

        if (iface.ListenPort is { } port)
        {
            Line(text, "ListenPort", port.ToString(CultureInfo.InvariantCulture));
        }

        if (iface.FwMark is { } mark)
        {
            Line(text, "FwMark", string.Create(CultureInfo.InvariantCulture, $"0x{mark:x}"));
        }

        if (iface.Addresses.Count > 0)
        {
            Line(text, "Address", string.Join(", ", iface.Addresses));
        }

        if (iface.DnsServers.Count + iface.DnsSearchDomains.Count > 0)
        {
            Line(text, "DNS", string.Join(", ", iface.DnsServers.Select(s => s.ToString()).Concat(iface.DnsSearchDomains)));
        }

        if (iface.Mtu is { } mtu)
        {
            Line(text, "MTU", mtu.ToString(CultureInfo.InvariantCulture));
        }

        if (iface.Table is { } table)
        {
            Line(text, "Table", table);
        }

        Lines(text, "PreUp", iface.PreUp);
        Lines(text, "PostUp", iface.PostUp);
        Lines(text, "PreDown", iface.PreDown);
        Lines(text, "PostDown", iface.PostDown);
        if (iface.SaveConfig is { } save)
        {
            Line(text, "SaveConfig", save ? "true" : "false");
        }

        foreach (var peer in configuration.Peers)
        {
            text.Append("\n[Peer]\n");
            Line(text, "PublicKey", peer.PublicKey.ToBase64String());
            if (peer.PresharedKey is { } psk)
            {
                Line(text, "PresharedKey", withKeys ? psk.ToBase64String() : Hidden);
            }

            if (peer.AllowedIps.Count > 0)
            {
                Line(text, "AllowedIPs", string.Join(", ", peer.AllowedIps));
            }

            if (peer.Endpoint is { } endpoint)
            {
                Line(text, "Endpoint", endpoint.ToString());
            }

            if (peer.PersistentKeepalive is { } keepalive)
            {
                Line(text, "PersistentKeepalive", keepalive.ToString(CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    private static void Line(StringBuilder text, string key, string value) => text.Append(key).Append(" = ").Append(value).Append('\n');

    private static void Lines(StringBuilder text, string key, IEnumerable<string> values)
    {
        foreach (string value in values)
        {
            Line(text, key, value);
        }
    }
}
