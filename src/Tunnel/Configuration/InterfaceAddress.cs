using System.Globalization;
using System.Net;

namespace Tunnel.Configuration;

/// <summary>
/// An address assigned to the tunnel interface with its prefix length, as wg-quick's <c>Address</c> takes it:
/// unlike an allowed-IPs prefix, the host part matters (<c>10.0.0.2/24</c> is the address 10.0.0.2 on a /24).
/// </summary>
/// <param name="Address">The interface's address.</param>
/// <param name="PrefixLength">The prefix length: 0-32 for IPv4, 0-128 for IPv6.</param>
public readonly record struct InterfaceAddress(IPAddress Address, int PrefixLength)
{
    /// <summary>Parses <c>address</c> or <c>address/length</c>; a bare address is a host route (/32 or /128).</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The address, when the method returns <see langword="true"/>.</param>
    /// <returns>Whether the text is a valid interface address.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out InterfaceAddress value)
    {
        value = default;
        int slash = text.IndexOf('/');
        if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out var address))
        {
            return false;
        }

        int max = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        int length = max;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > max))
        {
            return false;
        }

        value = new InterfaceAddress(address, length);
        return true;
    }

    /// <summary>The network the address is in: host bits cleared (<c>10.0.0.2/24</c> gives <c>10.0.0.0/24</c>).</summary>
    /// <returns>The prefix.</returns>
    public IPNetwork ToNetwork()
    {
        byte[] bytes = Address.GetAddressBytes();
        for (int bit = PrefixLength; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPNetwork(new IPAddress(bytes), PrefixLength);
    }

    /// <summary>The address as <c>address/length</c>.</summary>
    /// <returns>The text form.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Address}/{PrefixLength}");
}
