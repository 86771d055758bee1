using System.Buffers.Binary;
using System.Net;

namespace Tunnel.Net.Tcp;

/// <summary>A connection's two ends, as a value (addresses as 128-bit numbers, IPv4 in the low 32 bits), so it keys a table without allocating.</summary>
internal readonly record struct TcpEndpoints(UInt128 Local, ushort LocalPort, UInt128 Remote, ushort RemotePort, bool IsIPv6)
{
    public static TcpEndpoints Create(ReadOnlySpan<byte> local, ushort localPort, ReadOnlySpan<byte> remote, ushort remotePort) =>
        new(ToNumber(local), localPort, ToNumber(remote), remotePort, local.Length == 16);

    public int AddressLength => IsIPv6 ? 16 : 4;

    public void WriteLocal(Span<byte> destination) => Write(Local, destination[..AddressLength]);

    public void WriteRemote(Span<byte> destination) => Write(Remote, destination[..AddressLength]);

    public IPEndPoint LocalEndPoint => ToEndPoint(Local, LocalPort);

    public IPEndPoint RemoteEndPoint => ToEndPoint(Remote, RemotePort);

    private IPEndPoint ToEndPoint(UInt128 address, ushort port)
    {
        Span<byte> bytes = stackalloc byte[16];
        Write(address, bytes[..AddressLength]);
        return new IPEndPoint(new IPAddress(bytes[..AddressLength]), port);
    }

    private static UInt128 ToNumber(ReadOnlySpan<byte> address) => address.Length == 16
        ? BinaryPrimitives.ReadUInt128BigEndian(address)
        : BinaryPrimitives.ReadUInt32BigEndian(address);

    private static void Write(UInt128 value, Span<byte> destination)
    {
        if (destination.Length == 16)
        {
            BinaryPrimitives.WriteUInt128BigEndian(destination, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)value);
        }
    }
}
