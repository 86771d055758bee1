using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Tunnel.Configuration;
using Tunnel.Platform.Interop.Linux;
using Tunnel.Platform.Linux.Internal;
using static Tunnel.Platform.Interop.Linux.Interop;

namespace Tunnel.Platform.Linux;

/// <summary>
/// Programs the kernel for a tunnel interface over rtnetlink: its addresses, its routes in a routing table of
/// its own, and the policy rules that send traffic to that table, the way wg-quick sets up a full tunnel. A
/// split-tunnel router decides the prefixes; this applies them. Everything added is remembered and removed
/// again by <see cref="Dispose"/>, so the system is left as it was found. Every route and rule carries
/// <see cref="LinuxRouteTableOptions.Protocol"/>, and <see cref="RemoveStale()"/> removes only what carries it,
/// so a wg-quick tunnel or another VPN beside this one keeps all of its own.
/// </summary>
/// <remarks>
/// <para>
/// Routes are <see cref="LinuxRouteKind.Tunnel"/> (out of the interface), <see cref="LinuxRouteKind.Bypass"/>
/// (a throw route: the lookup leaves the table and the main table decides) or <see cref="LinuxRouteKind.Blocked"/>
/// (a prohibit route, which outlives the interface). With
/// <see cref="InstallPolicyRules()"/>, every destination is looked up in the table, except the tunnel's own
/// marked datagrams and destinations the main table has a route for that is more specific than a default route.
/// </para>
/// <para>
/// The object acts in the network namespace of the thread that calls <see cref="Create"/>, whichever thread
/// uses it later. All members are thread-safe: requests are serialized by one lock, since the kernel answers
/// each in microseconds and this is not a hot path. Creating one needs nothing; changing anything needs
/// CAP_NET_ADMIN.
/// </para>
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed partial class LinuxRouteTable : IDisposable
{
    private readonly Lock _gate = new();
    private readonly RtNetlinkSocket _socket;
    private bool _disposed;

    private LinuxRouteTable(LinuxRouteTableOptions options, RtNetlinkSocket socket, int interfaceIndex)
    {
        Options = options;
        _socket = socket;
        InterfaceIndex = interfaceIndex;
    }

    /// <summary>The options it was created with.</summary>
    public LinuxRouteTableOptions Options { get; }

    /// <summary>The tunnel interface's name.</summary>
    public string InterfaceName => Options.InterfaceName;

    /// <summary>The tunnel interface's index, resolved when this was created.</summary>
    public int InterfaceIndex { get; }

    /// <summary>Opens an rtnetlink socket in the calling thread's network namespace and resolves the interface.</summary>
    /// <param name="options">The interface, table, mark and rule priority.</param>
    /// <returns>The route table, with nothing installed yet.</returns>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="LinuxNetlinkException">The interface does not exist (<c>ENODEV</c>), or the socket cannot be opened.</exception>
    public static LinuxRouteTable Create(LinuxRouteTableOptions options)
    {
        Validate(options);
        RtNetlinkSocket socket = RtNetlinkSocket.Open();
        try
        {
            return new LinuxRouteTable(options, socket, ResolveIndex(socket, options.InterfaceName));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Brings the interface up (<c>ip link set dev X up</c>); the kernel refuses routes out of a link that is down.</summary>
    /// <remarks>Not undone by <see cref="Dispose"/>: the interface goes away with its device.</remarks>
    /// <exception cref="LinuxNetlinkException">The kernel refused.</exception>
    public void SetLinkUp()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            RtNetlinkRequests.SetLinkUp(_socket.Request, InterfaceIndex);
            int errno = _socket.Execute(out string? reason);
            if (errno != 0)
            {
                throw new LinuxNetlinkException($"Setting {InterfaceName} up", errno, reason);
            }
        }
    }

    /// <summary>
    /// Removes, in this order, the policy rules, the routes and the addresses this object added, and closes
    /// its socket. Best effort: a failure (the interface already deleted, an administrator's change) does not
    /// stop the rest, and what is already gone counts as removed.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            for (int i = _rules.Count - 1; i >= 0; i--)
            {
                _ = DeleteRule(_rules[i].Family, _rules[i].Kind, out _);
            }

            foreach (IPNetwork destination in _routes.Keys)
            {
                _ = DeleteRoute(destination, out _);
            }

            foreach (InterfaceAddress address in _addresses)
            {
                _ = DeleteAddress(address.Address, address.PrefixLength, out _);
            }

            _rules.Clear();
            _routes.Clear();
            _addresses.Clear();
            _socket.Dispose();
        }
    }

    /// <summary>
    /// Closes the socket and forgets what this object installed, leaving it all in the kernel: for a tunnel
    /// that died and keeps its <see cref="LinuxRouteKind.Blocked"/> routes and its rules in place while it
    /// reconnects. The next object with the same options takes the rules over (see
    /// <see cref="InstallPolicyRules(System.Net.Sockets.AddressFamily)"/>) and its <see cref="RemoveStale()"/>
    /// removes whatever it did not install again; a later <see cref="Dispose"/> of this object does nothing.
    /// </summary>
    public void Detach()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _rules.Clear();
            _routes.Clear();
            _addresses.Clear();
            _socket.Dispose();
        }
    }

    private static void Validate(LinuxRouteTableOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.InterfaceName, nameof(options));
        if (options.InterfaceName.Length >= InterfaceRequest.NameSize)
        {
            throw new ArgumentException($"An interface name has at most {InterfaceRequest.NameSize - 1} characters.", nameof(options));
        }

        if (options.TableId is RT_TABLE_UNSPEC or >= RT_TABLE_COMPAT and <= RT_TABLE_LOCAL && !(options.Shared && options.TableId == RT_TABLE_MAIN))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.TableId, "The table id cannot be 0 or 252-255, which name the kernel's own tables (unspecified, compat, default, main, local); main (254) is allowed for a shared table.");
        }

        if (options.FirewallMark == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.FirewallMark, "The firewall mark cannot be 0: the rule 'not fwmark 0' would exempt every marked packet instead of the tunnel's own.");
        }

        if (options.Protocol <= RTPROT_STATIC)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Protocol, "The protocol must be above 4: the values up to 4 (unspecified, redirect, kernel, boot, static) are not a program's own, so clean-up could not tell our routes from others'.");
        }

        if (options.RulePriority is 0 or uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RulePriority, "The rule priority must be between 1 and 4294967294: 0 is the local table's rule, and the second rule takes the next number.");
        }
    }

    private static int ResolveIndex(RtNetlinkSocket socket, string name)
    {
        RtNetlinkRequests.GetLink(socket.Request, name);
        Span<byte> reply = stackalloc byte[Unsafe.SizeOf<LinkMessage>()];
        int errno = socket.Execute(reply, out int length, out string? reason);
        if (errno != 0)
        {
            throw new LinuxNetlinkException($"Looking up interface {name}", errno, reason);
        }

        if (length < reply.Length)
        {
            throw new LinuxNetlinkException($"Looking up interface {name}: the kernel acknowledged without describing the link.");
        }

        return MemoryMarshal.Read<LinkMessage>(reply).InterfaceIndex;
    }
}
