using System.Net;

namespace Tunnel.Net;

/// <summary>One datagram received by <see cref="TunnelUdpClient.ReceiveFromAsync"/>.</summary>
/// <param name="ReceivedBytes">The datagram's length, copied to the start of the buffer given.</param>
/// <param name="RemoteEndPoint">Who sent it.</param>
public readonly record struct TunnelUdpReceiveResult(int ReceivedBytes, IPEndPoint RemoteEndPoint);
