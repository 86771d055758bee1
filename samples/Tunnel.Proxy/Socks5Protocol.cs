using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tunnel.Proxy;

/// <summary>
/// The server side of SOCKS5's negotiation (RFC 1928): the method selection (only "no authentication", so the
/// proxy listens on loopback by default), then one CONNECT request whose destination is an IPv4 or IPv6 address or a
/// domain name (resolved through the tunnel, as <c>curl --socks5-hostname</c> expects), and the reply.
/// </summary>
internal sealed class Socks5Protocol : IProxyProtocol
{
    public const byte Version = 5;

    /// <summary>The protocol, which keeps no state of its own.</summary>
    public static Socks5Protocol Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "SOCKS5";

    /// <summary>The reply codes of RFC 1928 section 6.</summary>
    public enum Reply : byte
    {
        Succeeded = 0,
        GeneralFailure = 1,
        NetworkUnreachable = 3,
        HostUnreachable = 4,
        ConnectionRefused = 5,
        TtlExpired = 6,
        CommandNotSupported = 7,
        AddressTypeNotSupported = 8,
    }

    /// <summary>Reads the greeting and the request; answers the greeting, and a request it cannot serve.</summary>
    /// <returns>The request to connect; null when the negotiation failed (and was answered as the RFC says).</returns>
    /// <exception cref="InvalidDataException">Not SOCKS5, or a message that breaks its grammar.</exception>
    public async Task<ProxyRequest?> NegotiateAsync(Stream client, CancellationToken cancellationToken)
    {
        var header = new byte[2];
        await client.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        if (header[0] != Version)
        {
            throw new InvalidDataException($"Version {header[0]}, not SOCKS5.");
        }

        var methods = new byte[header[1]];
        await client.ReadExactlyAsync(methods, cancellationToken).ConfigureAwait(false);
        if (Array.IndexOf(methods, (byte)0) < 0)
        {
            await client.WriteAsync(new byte[] { Version, 0xFF }, cancellationToken).ConfigureAwait(false); // no acceptable method
            return null;
        }

        await client.WriteAsync(new byte[] { Version, 0 }, cancellationToken).ConfigureAwait(false);

        var request = new byte[4];
        await client.ReadExactlyAsync(request, cancellationToken).ConfigureAwait(false);
        if (request[0] != Version || request[2] != 0)
        {
            throw new InvalidDataException("A request that is not SOCKS5's.");
        }

        string host;
        switch (request[3])
        {
            case 1:
                host = new IPAddress(await ReadAsync(client, 4, cancellationToken).ConfigureAwait(false)).ToString();
                break;
            case 4:
                host = new IPAddress(await ReadAsync(client, 16, cancellationToken).ConfigureAwait(false)).ToString();
                break;
            case 3:
                int length = (await ReadAsync(client, 1, cancellationToken).ConfigureAwait(false))[0];
                byte[] name = await ReadAsync(client, length, cancellationToken).ConfigureAwait(false);
                if (length == 0 || !Ascii.IsValid(name))
                {
                    throw new InvalidDataException("An empty or non-ASCII domain name.");
                }

                host = Encoding.ASCII.GetString(name);
                break;
            default:
                await ReplyAsync(client, Reply.AddressTypeNotSupported, null, cancellationToken).ConfigureAwait(false);
                return null;
        }

        int port = BinaryPrimitives.ReadUInt16BigEndian(await ReadAsync(client, 2, cancellationToken).ConfigureAwait(false));
        if (request[1] != 1)
        {
            await ReplyAsync(client, Reply.CommandNotSupported, null, cancellationToken).ConfigureAwait(false); // BIND and UDP ASSOCIATE
            return null;
        }

        if (port == 0)
        {
            await ReplyAsync(client, Reply.GeneralFailure, null, cancellationToken).ConfigureAwait(false);
            return null;
        }

        return new ProxyRequest(host, port, ReadOnlyMemory<byte>.Empty);
    }

    /// <inheritdoc/>
    public Task ReplyConnectedAsync(Stream client, ProxyRequest request, IPEndPoint? bound, CancellationToken cancellationToken) =>
        ReplyAsync(client, Reply.Succeeded, bound, cancellationToken);

    /// <inheritdoc/>
    public Task ReplyFailedAsync(Stream client, Exception error, CancellationToken cancellationToken) =>
        ReplyAsync(client, ReplyFor(error), null, cancellationToken);

    /// <summary>Writes the reply, with the address the proxy's connection is bound to (zeros when none).</summary>
    public static async Task ReplyAsync(Stream client, Reply reply, IPEndPoint? bound, CancellationToken cancellationToken)
    {
        byte[] address = bound?.Address.GetAddressBytes() ?? [0, 0, 0, 0];
        var message = new byte[6 + address.Length];
        message[0] = Version;
        message[1] = (byte)reply;
        message[3] = address.Length == 4 ? (byte)1 : (byte)4;
        address.CopyTo(message, 4);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(4 + address.Length), (ushort)(bound?.Port ?? 0));
        await client.WriteAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The reply for a failure to connect.</summary>
    public static Reply ReplyFor(Exception error) => error switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => Reply.ConnectionRefused,
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.TimedOut } => Reply.HostUnreachable,
        SocketException { SocketErrorCode: SocketError.AddressFamilyNotSupported or SocketError.NetworkUnreachable } => Reply.NetworkUnreachable,
        ArgumentException => Reply.HostUnreachable, // a name that is not one
        _ => Reply.GeneralFailure,
    };

    private static async Task<byte[]> ReadAsync(Stream stream, int count, CancellationToken cancellationToken)
    {
        var bytes = new byte[count];
        await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        return bytes;
    }
}
