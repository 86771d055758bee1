using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace Tunnel.Controller.Gateway;

/// <summary>
/// The tunnel's IPv4 address space (<see cref="ControllerOptions.Network"/>): the first host address is the gateway's,
/// devices get the others. A candidate is drawn at random, so replicas enrolling at once rarely collide, and the
/// store's unique index settles it when they do.
/// </summary>
internal sealed class AddressPool
{
    private readonly uint _first;
    private readonly uint _count;

    public AddressPool(string network)
    {
        if (!IPNetwork.TryParse(network, out IPNetwork parsed) || parsed.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || parsed.PrefixLength > 29)
        {
            throw new ArgumentException($"Controller:Network '{network}' is not an IPv4 network of at least 8 addresses, such as 100.96.0.0/12.", nameof(network));
        }

        Network = parsed;
        uint baseAddress = BinaryPrimitives.ReadUInt32BigEndian(parsed.BaseAddress.GetAddressBytes());
        uint size = 1u << (32 - parsed.PrefixLength);
        _first = baseAddress + 2; // .0 is the network, .1 the gateway
        _count = size - 3; // and the last is broadcast
        Gateway = ToAddress(baseAddress + 1);
    }

    public IPNetwork Network { get; }

    /// <summary>The gateway's address in the tunnel.</summary>
    public IPAddress Gateway { get; }

    /// <summary>How many devices the space holds.</summary>
    public long Capacity => _count;

    /// <summary>A random device address.</summary>
    public IPAddress Next() => ToAddress(_first + (uint)RandomNumberGenerator.GetInt32((int)Math.Min(_count, int.MaxValue)));

    private static IPAddress ToAddress(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
