using System.Net;
using System.Net.Sockets;
using Tmds.DBus.Protocol;

namespace Tunnel.Platform.Linux.Internal;

/// <summary>
/// The method calls to systemd-resolved's manager object (<c>org.freedesktop.resolve1(5)</c>) that set and
/// revert a link's DNS configuration, written as D-Bus messages.
/// </summary>
internal static class ResolvedMessages
{
    public const string Service = "org.freedesktop.resolve1";
    public const string ObjectPath = "/org/freedesktop/resolve1";
    public const string Interface = "org.freedesktop.resolve1.Manager";

    /// <summary>The error systemd-resolved answers for an interface index it does not know (the link is gone).</summary>
    public const string NoSuchLinkError = "org.freedesktop.resolve1.NoSuchLink";

    /// <summary>The routing-only root domain: every query that no other link's domain claims more closely goes to this link.</summary>
    public const string RootRoutingDomain = ".";

    // Address families as systemd-resolved takes them: Linux's AF_INET and AF_INET6.
    private const int AfInet = 2;
    private const int AfInet6 = 10;

    /// <summary><c>SetLinkDNS(i ifindex, a(iay) addresses)</c>: the link's name servers, in order.</summary>
    public static MessageBuffer SetLinkDns(DBusConnection connection, int interfaceIndex, IReadOnlyList<IPAddress> servers)
    {
        using var writer = Start(connection, "SetLinkDNS", "ia(iay)", interfaceIndex);
        ArrayStart array = writer.WriteArrayStart(DBusType.Struct);
        foreach (IPAddress server in servers)
        {
            IPAddress address = server.IsIPv4MappedToIPv6 ? server.MapToIPv4() : server;
            writer.WriteStructureStart();
            writer.WriteInt32(address.AddressFamily == AddressFamily.InterNetwork ? AfInet : AfInet6);
            writer.WriteArray(address.GetAddressBytes());
        }

        writer.WriteArrayEnd(array);
        return writer.CreateMessage();
    }

    /// <summary>
    /// <c>SetLinkDomains(i ifindex, a(sb) domains)</c>: the routing-only root domain, so that the link's name
    /// servers answer every query, then the search domains (which also route their own names to the link).
    /// </summary>
    public static MessageBuffer SetLinkDomains(DBusConnection connection, int interfaceIndex, IReadOnlyList<string> searchDomains)
    {
        using var writer = Start(connection, "SetLinkDomains", "ia(sb)", interfaceIndex);
        ArrayStart array = writer.WriteArrayStart(DBusType.Struct);
        writer.WriteStructureStart();
        writer.WriteString(RootRoutingDomain);
        writer.WriteBool(true);
        foreach (string domain in searchDomains)
        {
            writer.WriteStructureStart();
            writer.WriteString(domain);
            writer.WriteBool(false);
        }

        writer.WriteArrayEnd(array);
        return writer.CreateMessage();
    }

    /// <summary><c>SetLinkDefaultRoute(i ifindex, b enable)</c>: whether the link answers names no link's domain claims.</summary>
    public static MessageBuffer SetLinkDefaultRoute(DBusConnection connection, int interfaceIndex, bool enable)
    {
        using var writer = Start(connection, "SetLinkDefaultRoute", "ib", interfaceIndex);
        writer.WriteBool(enable);
        return writer.CreateMessage();
    }

    /// <summary><c>RevertLink(i ifindex)</c>: forgets everything set on the link over the bus.</summary>
    public static MessageBuffer RevertLink(DBusConnection connection, int interfaceIndex)
    {
        using var writer = Start(connection, "RevertLink", "i", interfaceIndex);
        return writer.CreateMessage();
    }

    private static MessageWriter Start(DBusConnection connection, string method, string signature, int interfaceIndex)
    {
        MessageWriter writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: Service, path: ObjectPath, @interface: Interface, member: method, signature: signature);
        writer.WriteInt32(interfaceIndex);
        return writer;
    }
}
