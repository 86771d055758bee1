using System.Net;

namespace Tunnel.SplitTunnel.Tests.Drivers;

/// <summary>Hand-built DNS responses for the controller's tests.</summary>
internal static class DnsResponses
{
    /// <summary>A response to an A query for <paramref name="name"/> with one address.</summary>
    public static byte[] A(string name, string address, uint timeToLive)
    {
        byte[] query = TestDnsServer.Query(name);
        byte[] data = IPAddress.Parse(address).GetAddressBytes();
        var response = new List<byte>(query);
        response[2] = 0x81;
        response[3] = 0x80;
        response[7] = 1;
        response.AddRange([0xC0, 0x0C, 0, 1, 0, 1, (byte)(timeToLive >> 24), (byte)(timeToLive >> 16), (byte)(timeToLive >> 8), (byte)timeToLive, 0, (byte)data.Length]);
        response.AddRange(data);
        return [.. response];
    }
}
