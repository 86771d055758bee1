using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using Tunnel.Core.Crypto.Internal;

namespace Tunnel.Core;

/// <summary>
/// A remote IPv4 or IPv6 address and UDP port, and optionally the local address (and interface) that the
/// remote last wrote to, held by value so the receive path can record a peer's latest source (roaming)
/// without allocating. An IPv4-mapped IPv6 address is kept as IPv4.
/// </summary>
/// <remarks>
/// <para>
/// The local part makes replies sticky: a socket that can tell which of the host's addresses a datagram
/// arrived on records it with <see cref="WithLocal"/>, the peer keeps the endpoint, and the socket sends
/// the peer's datagrams from that address again (on a host with several addresses the kernel would
/// otherwise choose one by route, and the remote would see answers from an address it never wrote to).
/// An endpoint set by configuration has no local part, and the system chooses.
/// </para>
/// <para>
/// Equality covers both parts, so a peer whose datagrams move to another local address has a new
/// endpoint; <see cref="ToString"/>, <see cref="ToIPEndPoint"/> and cookies use only the remote part.
/// </para>
/// </remarks>
public readonly struct UdpEndpoint : IEquatable<UdpEndpoint>
{
    private readonly Bytes16 _address;
    private readonly Bytes16 _local;
    private readonly int _localInterfaceIndex;
    private readonly LocalKind _localKind;

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

    private UdpEndpoint(in UdpEndpoint remote, ReadOnlySpan<byte> local, int interfaceIndex)
    {
        _address = remote._address;
        IsIPv6 = remote.IsIPv6;
        Port = remote.Port;
        if (local.Length == 16 && local[..10].IndexOfAnyExcept((byte)0) < 0 && local[10] == 0xFF && local[11] == 0xFF)
        {
            local = local[12..];
        }

        if (local.Length is not (4 or 16))
        {
            throw new ArgumentException("A local address is 4 (IPv4) or 16 (IPv6) bytes.", nameof(local));
        }

        local.CopyTo(_local);
        _localKind = local.Length == 16 ? LocalKind.IPv6 : LocalKind.IPv4;
        _localInterfaceIndex = interfaceIndex;
    }

    private enum LocalKind : byte
    {
        None,
        IPv4,
        IPv6,
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

    /// <summary>Whether the endpoint records the local address the remote wrote to.</summary>
    public bool HasLocalAddress => _localKind != LocalKind.None;

    /// <summary>Whether the recorded local address is IPv6 (false when there is none).</summary>
    public bool IsLocalAddressIPv6 => _localKind == LocalKind.IPv6;

    /// <summary>The recorded local address: 4 bytes for IPv4, 16 for IPv6, empty when there is none.</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> LocalAddressBytes => ((ReadOnlySpan<byte>)_local)[..(_localKind switch { LocalKind.IPv4 => 4, LocalKind.IPv6 => 16, _ => 0 })];

    /// <summary>
    /// The index of the interface the remote's datagram arrived on, where the system reports it (0 when
    /// unknown). An IPv6 link-local local address is meaningful only with it.
    /// </summary>
    public int LocalInterfaceIndex => _localInterfaceIndex;

    /// <summary>This endpoint, recording that the remote wrote to <paramref name="localAddress"/>.</summary>
    /// <param name="localAddress">4 bytes (IPv4) or 16 bytes (IPv6), network order; an IPv4-mapped address is kept as IPv4.</param>
    /// <param name="interfaceIndex">The interface the datagram arrived on, or 0 when unknown.</param>
    /// <returns>The endpoint with that local part.</returns>
    /// <exception cref="ArgumentException"><paramref name="localAddress"/> is neither 4 nor 16 bytes.</exception>
    public UdpEndpoint WithLocal(ReadOnlySpan<byte> localAddress, int interfaceIndex) => new(this, localAddress, interfaceIndex);

    /// <summary>This endpoint without its local part, so the system chooses the source again.</summary>
    /// <returns>The remote part alone.</returns>
    public UdpEndpoint WithoutLocal() => HasLocalAddress ? new UdpEndpoint(AddressBytes, Port) : this;

    /// <summary>Whether the remote parts (address and port) are equal, whatever the local parts.</summary>
    /// <param name="other">Another endpoint.</param>
    /// <returns>Whether both name the same remote.</returns>
    public bool RemoteEquals(in UdpEndpoint other) =>
        IsIPv6 == other.IsIPv6 && Port == other.Port && ((ReadOnlySpan<byte>)_address).SequenceEqual(other._address);

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

    /// <summary>Converts the remote part to an <see cref="IPEndPoint"/> (allocates).</summary>
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
        RemoteEquals(other) && _localKind == other._localKind && _localInterfaceIndex == other._localInterfaceIndex
        && ((ReadOnlySpan<byte>)_local).SequenceEqual(other._local);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is UdpEndpoint other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_address);
        hash.Add(Port);
        hash.AddBytes(_local);
        hash.Add(_localInterfaceIndex);
        return hash.ToHashCode();
    }

    /// <summary>The remote part as <c>address:port</c>, IPv6 in brackets.</summary>
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
