using System.Net;

namespace Tunnel.Proxy;

/// <summary>Where a client asked to go, and the bytes to send there before relaying (a rewritten request, early data).</summary>
/// <param name="Host">A name (resolved through the tunnel) or an address.</param>
/// <param name="Port">The destination port, 1 to 65535.</param>
/// <param name="Forward">Bytes the client already sent that belong to the destination.</param>
/// <param name="Tunnelled">True for a tunnel the client asked for (SOCKS5 CONNECT, HTTP CONNECT), which gets a success reply; false for a request forwarded as is (HTTP absolute-form), whose reply is the destination's.</param>
internal sealed record ProxyRequest(string Host, int Port, ReadOnlyMemory<byte> Forward, bool Tunnelled = true);

/// <summary>One proxy protocol's side of the conversation before relaying: the request, and the reply to it.</summary>
internal interface IProxyProtocol
{
    /// <summary>The protocol's name, as the proxy prints it (SOCKS5, HTTP).</summary>
    string Name { get; }

    /// <summary>Reads the client's request, answering what the protocol answers before a connection is made.</summary>
    /// <returns>Where to connect; null when the client was refused (and told so).</returns>
    /// <exception cref="InvalidDataException">A request that breaks the protocol's grammar, not worth an answer.</exception>
    Task<ProxyRequest?> NegotiateAsync(Stream client, CancellationToken cancellationToken);

    /// <summary>Tells the client its connection is made (nothing, for a forwarded request).</summary>
    Task ReplyConnectedAsync(Stream client, ProxyRequest request, IPEndPoint? bound, CancellationToken cancellationToken);

    /// <summary>Tells the client why its connection could not be made.</summary>
    Task ReplyFailedAsync(Stream client, Exception error, CancellationToken cancellationToken);
}
