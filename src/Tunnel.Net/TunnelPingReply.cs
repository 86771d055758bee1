using System.Net;
using System.Net.NetworkInformation;

namespace Tunnel.Net;

/// <summary>The outcome of <see cref="TunnelNetwork.PingAsync"/>.</summary>
/// <param name="Address">The address pinged.</param>
/// <param name="Status"><see cref="IPStatus.Success"/> when the echo reply came, <see cref="IPStatus.TimedOut"/> when it did not in time.</param>
/// <param name="RoundtripTime">From sending the request to the reply; zero when none came.</param>
public sealed record TunnelPingReply(IPAddress Address, IPStatus Status, TimeSpan RoundtripTime);
