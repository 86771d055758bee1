namespace Tunnel;

/// <summary>Opens the <see cref="IDatagramSocket"/> a device listens on, again whenever its port or mark changes.</summary>
public interface IDatagramSocketFactory
{
    /// <summary>Binds a socket that receives on every local address, IPv4 and IPv6 where the system has them.</summary>
    /// <param name="port">The UDP port; 0 picks a free one.</param>
    /// <param name="firewallMark">The mark set on every datagram sent (Linux <c>SO_MARK</c>); 0 for none.</param>
    /// <returns>The bound socket.</returns>
    /// <exception cref="System.Net.Sockets.SocketException">The port is in use, or the mark cannot be set.</exception>
    IDatagramSocket Bind(ushort port, uint firewallMark);
}
