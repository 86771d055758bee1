using System.Net.Sockets;
using System.Runtime.Versioning;
using Tunnel.Sockets;

namespace Tunnel.Platform.Linux;

/// <summary>
/// Opens <see cref="LinuxUdpDatagramSocket"/>s: the same dual-stack binding and large buffers as
/// <see cref="UdpDatagramSocketFactory"/>, driven with <c>recvmmsg</c>/<c>sendmmsg</c>, UDP GSO and UDP GRO, replies from the address the peer wrote to.
/// Each feature can be switched off, and each falls back by itself where the kernel refuses it.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class LinuxUdpDatagramSocketFactory : IDatagramSocketFactory
{
    /// <summary>The shared instance with every feature on.</summary>
    public static LinuxUdpDatagramSocketFactory Instance { get; } = new();

    /// <summary>The socket buffer size in both directions (forced past the system limits where CAP_NET_ADMIN allows); 7 MiB by default.</summary>
    public int BufferSize { get; init; } = 7 << 20;

    /// <summary>Whether to move up to 128 datagrams per <c>recvmmsg</c>/<c>sendmmsg</c>; off means one per call.</summary>
    public bool EnableBatching { get; init; } = true;

    /// <summary>Whether runs of equal-sized datagrams to one peer leave as one UDP GSO send (<c>UDP_SEGMENT</c>; needs batching).</summary>
    public bool EnableSegmentation { get; init; } = true;

    /// <summary>Whether to ask the kernel for coalesced datagrams (<c>UDP_GRO</c>).</summary>
    public bool EnableReceiveCoalescing { get; init; } = true;

    /// <summary>
    /// Whether replies to a peer leave from the local address its datagrams arrived on (<c>IP_PKTINFO</c> and
    /// <c>IPV6_RECVPKTINFO</c>), as a multi-homed server must answer; off means the kernel picks by route.
    /// </summary>
    public bool EnableStickySource { get; init; } = true;

    /// <inheritdoc/>
    public IDatagramSocket Bind(ushort port, uint firewallMark)
    {
        Socket socket = new UdpDatagramSocketFactory { BufferSize = BufferSize }.OpenSocket(port);
        try
        {
            var adapter = new LinuxUdpDatagramSocket(socket, EnableBatching, EnableSegmentation && EnableBatching, EnableReceiveCoalescing, EnableStickySource);
            if (firewallMark != 0)
            {
                adapter.SetFirewallMark(firewallMark);
            }

            return adapter;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
