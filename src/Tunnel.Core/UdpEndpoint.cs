using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using Tunnel.Core.Crypto.Internal;

namespace Tunnel.Core;

/// <summary>
/// An IPv4 or IPv6 address and a UDP port, held by value so the receive path can record a peer's latest
/// source (roaming) without allocating. An IPv4-mapped IPv6 address is kept as IPv4.
/// </summary>
public readonly struct UdpEndpoint : IEquatable<UdpEndpoint>
{
    private readonly Bytes16 _address;

    /// <summary>Creates an endpoint from address bytes and a port.</summary>
    /// <param name="address">4 bytes (IPv4) or 16 bytes (IPv6), network order.</param>
    /// <param name="port">The UDP port.</param>
    /// <exception cref="ArgumentException"><paramref name="address"/> is neither 4 nor 16 bytes.</exception>
    public UdpEndpoint(ReadOnlySpan<byte> address, ushort port)
    {
        if (address.Length == 16 && address[..10].IndexOfAnyExcept((byte)0) < 0 && address[10] == 0xFF && address[11] == 0xFF)
        {
            address = address[12..];
        }

        if (address.Length is not (4 or 16))
        {
            throw new ArgumentException("An address is 4 (IPv4) or 16 (IPv6) bytes.", nameof(address));
        }

        address.CopyTo(_address);
        IsIPv6 = address.Length == 16;
        Port = port;
    }

    /// <summary>Whether the address is IPv6.</summary>
    public bool IsIPv6 { get; }

    /// <summary>The UDP port.</summary>
    public ushort Port { get; }

    /// <summary>Whether this is the default value rather than a real endpoint.</summary>
    public bool IsEmpty => Port == 0 && ((ReadOnlySpan<byte>)_address).IndexOfAnyExcept((byte)0) < 0;

    /// <summary>The address bytes: 4 for IPv4, 16 for IPv6.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> AddressBytes => ((ReadOnlySpan<byte>)_address)[..(IsIPv6 ? 16 : 4)];

    /// <summary>Converts from an <see cref="IPEndPoint"/>.</summary>
    /// <param name="endPoint">An IPv4 or IPv6 endpoint.</param>
    /// <returns>The endpoint.</returns>
    public static UdpEndpoint FromIPEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        Span<byte> bytes = stackalloc byte[16];
        if (!endPoint.Address.TryWriteBytes(bytes, out int written) || written is not (4 or 16))
        {
            throw new ArgumentException("Only IPv4 and IPv6 endpoints are supported.", nameof(endPoint));
        }

        return new UdpEndpoint(bytes[..written], (ushort)endPoint.Port);
    }

    /// <summary>Converts to an <see cref="IPEndPoint"/> (allocates).</summary>
    /// <returns>A new endpoint.</returns>
    public IPEndPoint ToIPEndPoint() => new(new IPAddress(AddressBytes), Port);

    /// <summary>
    /// Writes the bytes a cookie is computed over: the address, then the port in network order. Only this
    /// host ever checks its own cookies, so the encoding need only be stable here.
    /// </summary>
    internal int WriteCookieSource(Span<byte> destination)
    {
        ReadOnlySpan<byte> address = AddressBytes;
        address.CopyTo(destination);
        BinaryPrimitives.WriteUInt16BigEndian(destination[address.Length..], Port);
        return address.Length + 2;
    }

    /// <inheritdoc/>
    public bool Equals(UdpEndpoint other) =>
        IsIPv6 == other.IsIPv6 && Port == other.Port && ((ReadOnlySpan<byte>)_address).SequenceEqual(other._address);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is UdpEndpoint other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_address);
        hash.Add(Port);
        return hash.ToHashCode();
    }

    /// <summary>The endpoint as <c>address:port</c>, IPv6 in brackets.</summary>
    /// <returns>The text form.</returns>
    public override string ToString() => IsEmpty ? "(none)" : ToIPEndPoint().ToString();

    /// <summary>Whether two endpoints are equal.</summary>
    /// <param name="left">An endpoint.</param>
    /// <param name="right">Another endpoint.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(UdpEndpoint left, UdpEndpoint right) => left.Equals(right);

    /// <summary>Whether two endpoints differ.</summary>
    /// <param name="left">An endpoint.</param>
    /// <param name="right">Another endpoint.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(UdpEndpoint left, UdpEndpoint right) => !left.Equals(right);
}
